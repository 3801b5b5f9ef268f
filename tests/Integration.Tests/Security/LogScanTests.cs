using System.Text;
using AppSyncChat.Aws.AppSyncEvents;
using AppSyncChat.Local.Hosting;
using Microsoft.Extensions.Logging;

namespace AppSyncChat.Integration.Tests.Security;

/// <summary>
/// A stack with secrets of its own (API key, secret key, session token, bearer token) whose every log line is
/// captured: the stack's own logger (every category at Information) and the hosted functions' console output
/// (JSON with scopes, as deployed), which this fixture redirects before the functions start.
/// </summary>
public sealed class LogScanStack : SecurityStack
{
    public string SessionToken { get; } = "logscan-session-" + Guid.NewGuid().ToString("N");

    public CapturedLog Log { get; } = new();

    private TextWriter? _originalOut;
    private TextWriter? _originalError;
    private ILoggerFactory? _loggerFactory;

    protected override LocalStackOptions CreateOptions(string directory)
    {
        var session = new Dictionary<string, string> { ["AWS_SESSION_TOKEN"] = SessionToken };
        return base.CreateOptions(directory) with
        {
            ApiKey = "da2-logscan-" + Guid.NewGuid().ToString("N"),
            SecretAccessKey = "logscan-secret-" + Guid.NewGuid().ToString("N"),
            LocalUserToken = "logscan-token-" + Guid.NewGuid().ToString("N"),
            FunctionLogFormat = "json",
            ApiSettings = session,
            WorkerSettings = session,
            LoggerFactory = _loggerFactory,
        };
    }

    public override async Task InitializeAsync()
    {
        // The functions' console loggers bind Console.Out / Console.Error when they start: redirect first.
        _originalOut = Console.Out;
        _originalError = Console.Error;
        Console.SetOut(new TeeWriter(_originalOut, Log));
        Console.SetError(new TeeWriter(_originalError, Log));
        _loggerFactory = LoggerFactory.Create(b => b.SetMinimumLevel(LogLevel.Information).AddProvider(Log));
        await base.InitializeAsync();
    }

    public override async Task DisposeAsync()
    {
        await base.DisposeAsync();
        _loggerFactory?.Dispose();
        Console.SetOut(_originalOut!);
        Console.SetError(_originalError!);
    }

    private sealed class TeeWriter(TextWriter original, CapturedLog log) : TextWriter
    {
        public override Encoding Encoding => original.Encoding;

        public override void Write(char value)
        {
            log.Append(value.ToString());
            original.Write(value);
        }

        public override void Write(string? value)
        {
            log.Append(value);
            original.Write(value);
        }

        public override void Write(char[] buffer, int index, int count)
        {
            log.Append(new string(buffer, index, count));
            original.Write(buffer, index, count);
        }
    }
}

/// <summary>Everything logged: formatted messages, exceptions, structured values and scopes, plus raw console text.</summary>
public sealed class CapturedLog : ILoggerProvider
{
    private readonly StringBuilder _text = new();

    public void Append(string? text)
    {
        lock (_text)
        {
            _text.Append(text);
        }
    }

    public string Text()
    {
        lock (_text)
        {
            return _text.ToString();
        }
    }

    public ILogger CreateLogger(string categoryName) => new Logger(this, categoryName);

    public void Dispose()
    {
    }

    private sealed class Logger(CapturedLog log, string category) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull
        {
            log.Append($"[scope {category}] {Describe(state)}\n");
            return null;
        }

        public bool IsEnabled(LogLevel logLevel) => logLevel >= LogLevel.Information;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            if (IsEnabled(logLevel))
            {
                log.Append($"{logLevel} {category}: {formatter(state, exception)} {Describe(state)} {exception}\n");
            }
        }

        private static string Describe(object? state) => state is IEnumerable<KeyValuePair<string, object?>> values
            ? string.Join(' ', values.Select(v => $"{v.Key}={v.Value}"))
            : state?.ToString() ?? string.Empty;
    }
}

[CollectionDefinition(Name, DisableParallelization = true)] // it redirects the process's console, and runs its own stack
public sealed class LogScanCollection : ICollectionFixture<LogScanStack>
{
    public const string Name = "Log scan stack";
}

/// <summary>
/// A full local flow — create, send and stream, stop, failures of every kind — then every line the stack and
/// its functions logged is searched for the API key, the secret key, the session token, the bearer tokens
/// and the unique text of each message and answer (docs/security.md, "What is logged").
/// </summary>
[Collection(LogScanCollection.Name)]
public sealed class LogScanTests(LogScanStack stack)
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task FullFlow_NoSecretAndNoMessageTextInAnyLog()
    {
        var marker = Guid.NewGuid().ToString("N")[..12];
        var secrets = new List<(string What, string Value)>
        {
            ("API key", stack.Endpoints.GraphqlApiKey),
            ("secret access key", stack.Endpoints.SecretAccessKey),
            ("session token", stack.SessionToken),
            ("bearer token", stack.Endpoints.LocalUserToken),
            ("second bearer token", SecurityStack.Bob.Token),
        };

        // Send and stream, as the local user, watching the channel.
        var created = await stack.DataAsync(stack.Alice, "createConversation", "mutation($input: CreateConversationInput!) { createConversation(input: $input) { conversationId } }", new { input = new { clientRequestId = "log-" + marker } });
        var c = created.GetProperty("conversationId").GetString()!;
        await using var viewer = new EventsWebSocketClient(new EventsWebSocketOptions
        {
            HttpEndpoint = new Uri(stack.Endpoints.EventsHttpUrl!),
            RealtimeEndpoint = new Uri(stack.Endpoints.EventsRealtimeUrl!),
            Authorization = EventsAuthorization.BearerToken(stack.Endpoints.LocalUserToken),
            ConnectTimeout = Wait,
            OperationTimeout = Wait,
        });
        await using var channel = await viewer.SubscribeAsync($"/chat/{c}", CancellationToken.None);
        var first = $"Quokkapalooza{marker} tell me about lighthouses";
        var answered = await SendAsync(stack.Alice, first, c);
        var answer = await FinalAsync(stack.Alice, c, answered, "COMPLETED");
        using (var received = new CancellationTokenSource(Wait))
        {
            await foreach (var e in channel.ReadEventsAsync(received.Token))
            {
                if (e.Contains("turn.completed", StringComparison.Ordinal))
                {
                    break;
                }
            }
        }

        // Stop a running answer, with the API key.
        var second = $"Zebracrossing{marker} write a long story [[ttft=200]] [[rate=30]] [[tokens=400]]";
        var running = await SendAsync(stack.ApiKey, second, null);
        var runningConversation = running.Conversation;
        await Task.Delay(600);
        await stack.DataAsync(stack.ApiKey, "stopGeneration", "mutation($input: StopGenerationInput!) { stopGeneration(input: $input) { accepted } }", new { input = new { conversationId = runningConversation, messageId = running.Message } });
        var stopped = await FinalAsync(stack.ApiKey, runningConversation, running, "CANCELLED");

        // Failures: a model error mid-answer, a refused input, an unknown id, a wrong key, a refused list.
        var third = $"Marmaladesky{marker} explain tides [[fault=stream-error]] [[at=3]]";
        var failing = await SendAsync(stack.BobCaller, third, null);
        var failed = await FinalAsync(stack.BobCaller, failing.Conversation, failing, null);
        var tooLong = $"Overflowing{marker} " + new string('x', 32_001);
        Assert.Equal("ValidationError", (await stack.PostAsync(SendQuery, new { input = new { text = tooLong, clientRequestId = "log2-" + marker } }, stack.ApiKey)).FirstError.ErrorType);
        var nulText = $"Nulbyte{marker} \u0000";
        Assert.Equal("ValidationError", (await stack.PostAsync(SendQuery, new { input = new { text = nulText, clientRequestId = "log3-" + marker } }, stack.Alice)).FirstError.ErrorType);
        Assert.Equal("NotFound", (await stack.PostAsync(SendQuery, new { input = new { conversationId = "ffffffffffffffffffffffffffffffff", text = first, clientRequestId = "log4-" + marker } }, stack.Alice)).FirstError.ErrorType);
        Assert.Equal(401, (await stack.PostRawAsync("{\"query\":\"{ listConversations { nextToken } }\"}", new Caller("wrong key", new Dictionary<string, string> { ["x-api-key"] = stack.Endpoints.GraphqlApiKey + "x" }))).Status);
        Assert.Equal("Unauthorized", (await stack.PostAsync("{ listConversations { nextToken } }", null, stack.ApiKey)).FirstError.ErrorType);
        await stack.WaitForQuietAsync();
        await Task.Delay(500); // the console loggers write from a queue

        var log = stack.Log.Text();
        // The capture is real: the functions' JSON lines and the stack's own lines are in it, with the ids.
        Assert.Contains("\"Category\":\"AppSyncChat.Api", log, StringComparison.Ordinal);
        Assert.Contains("AppSyncChat.Worker", log, StringComparison.Ordinal);
        Assert.Contains(c, log, StringComparison.Ordinal);
        foreach (var text in new[] { first, second, third, tooLong, nulText })
        {
            secrets.Add(("message text", text[..Math.Min(text.Length, 24)]));
        }

        foreach (var text in new[] { answer, stopped, failed }.Where(t => t.Length >= 24))
        {
            secrets.Add(("answer text", text[..24]));
            secrets.Add(("answer text", text[(text.Length / 2)..][..Math.Min(24, text.Length - (text.Length / 2))]));
        }

        var leaks = secrets.Where(s => log.Contains(s.Value, StringComparison.Ordinal)).Select(s => $"{s.What} '{s.Value}'").ToList();
        Assert.True(leaks.Count == 0, "Found in the logs: " + string.Join(", ", leaks));
        Assert.True(answer.Length >= 24, $"the answer is too short to search for: '{answer}'");
    }

    private const string SendQuery = "mutation($input: SendMessageInput!) { sendMessage(input: $input) { conversationId assistantMessageId } }";

    private sealed record Sent(string Conversation, string Message);

    private async Task<Sent> SendAsync(Caller caller, string text, string? conversationId)
    {
        var sent = await stack.DataAsync(caller, "sendMessage", SendQuery, new { input = new { conversationId, text, clientRequestId = "log-" + Guid.NewGuid().ToString("N")[..16] } });
        return new Sent(sent.GetProperty("conversationId").GetString()!, sent.GetProperty("assistantMessageId").GetString()!);
    }

    /// <summary>The message's text once it is final (and in <paramref name="status"/> when given).</summary>
    private async Task<string> FinalAsync(Caller caller, string conversationId, Sent sent, string? status)
    {
        var deadline = DateTime.UtcNow + Wait;
        while (true)
        {
            var conversation = await stack.DataAsync(caller, "getConversation", "query($id: ID!) { getConversation(conversationId: $id) { messages { messageId status text } } }", new { id = conversationId });
            var message = conversation.GetProperty("messages").EnumerateArray().Single(m => m.GetProperty("messageId").GetString() == sent.Message);
            var now = message.GetProperty("status").GetString();
            if (now is "COMPLETED" or "FAILED" or "CANCELLED" or "INTERRUPTED")
            {
                Assert.True(status is null || status == now, $"expected {status}, got {now}");
                return message.GetProperty("text").GetString()!;
            }

            Assert.True(DateTime.UtcNow < deadline, $"still {now}");
            await Task.Delay(100);
        }
    }
}
