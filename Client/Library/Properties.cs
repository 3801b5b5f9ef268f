using System.Runtime.CompilerServices;

[assembly: InternalsVisibleTo("AppSyncChat.Client.Tests")]
