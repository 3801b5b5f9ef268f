using AppSyncChat.Client;

namespace AppSyncChat.Cli;

/// <summary>Everything the CLI takes from its surroundings, so tests can run it in-process.</summary>
public sealed class CliEnvironment
{
    public required TextWriter Out { get; init; }

    public required TextWriter Error { get; init; }

    public required Func<string, string?> GetVariable { get; init; }

    public required string CurrentDirectory { get; init; }

    /// <summary>Builds the client for resolved settings (tests substitute fakes).</summary>
    public Func<ChatClientOptions, ChatClient> ClientFactory { get; init; } = ChatClient.Create;

    /// <summary>
    /// True when standard output is a file or pipe: then status lines never break the answer text with a
    /// newline (the answer on stdout stays byte-identical to the stored text, plus one final newline).
    /// </summary>
    public bool OutputIsRedirected { get; init; }

    public CliInterrupts Interrupts { get; init; } = new();

    public TimeProvider TimeProvider { get; init; } = TimeProvider.System;

    public static CliEnvironment FromConsole()
    {
        var interrupts = new CliInterrupts();
        Console.CancelKeyPress += (_, e) =>
        {
            // First Ctrl+C: handled by the command (send stops the generation); the second one ends the process.
            e.Cancel = interrupts.Trigger() == 1;
        };
        return new CliEnvironment
        {
            Out = Console.Out,
            Error = Console.Error,
            GetVariable = Environment.GetEnvironmentVariable,
            CurrentDirectory = Directory.GetCurrentDirectory(),
            OutputIsRedirected = Console.IsOutputRedirected,
            Interrupts = interrupts,
        };
    }
}

/// <summary>Ctrl+C presses: <see cref="First"/> is cancelled on the first press.</summary>
public sealed class CliInterrupts
{
    private readonly CancellationTokenSource _first = new();
    private int _count;

    public CancellationToken First => _first.Token;

    /// <summary>Records a press; returns how many there were so far.</summary>
    public int Trigger()
    {
        var count = Interlocked.Increment(ref _count);
        if (count == 1)
        {
            _first.Cancel();
        }

        return count;
    }
}
