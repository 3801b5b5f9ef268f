Console.Error.WriteLine("Not built yet.");
return 1;
