using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Text.Json;
using Amazon.Runtime;
using Amazon.SQS;
using Amazon.SQS.Model;
using Message = AppSyncChat.Client.GraphQL.Message;
using AppSyncChat.Aws.AppSyncEvents;
using AppSyncChat.Aws.Lambda;
using AppSyncChat.Aws.Sqs;
using AppSyncChat.Bench.Load;
using AppSyncChat.Bench.Metrics;
using AppSyncChat.Client.CatchUp;
using AppSyncChat.Client.GraphQL;
using AppSyncChat.Contracts;
using AppSyncChat.Contracts.Configuration;
using AppSyncChat.Contracts.Conversations;
using AppSyncChat.Contracts.Queue;
using AppSyncChat.Local;
using AppSyncChat.Local.AppSyncEvents;
using AppSyncChat.Local.Bedrock;
using AppSyncChat.Local.Hosting;
using Microsoft.Extensions.Logging;

namespace AppSyncChat.Bench.Faults;

/// <summary>
/// Runs a <see cref="FaultPlan"/> through the Local stack with the Worker in its own processes: conversations take
/// turns while faults are injected (model throttling, mid-stream errors and stalls, SIGKILL of the Worker process,
/// duplicate queue messages, viewers cut off, a failed write between the two writes of a finish, publish throttling
/// and 5xx, poison messages), then a reconnect storm and a send burst; afterwards <see cref="FaultChecks"/> checks
/// that every turn ended and nothing was lost.
/// </summary>
public sealed class FaultCampaign : IAsyncDisposable
{
    private readonly FaultPlan _plan;
    private readonly Action<string> _progress;
    private readonly string _runTag = DateTimeOffset.UtcNow.ToString("HHmmss", CultureInfo.InvariantCulture);
    private readonly HttpClient _http = new(new SocketsHttpHandler { UseProxy = false, MaxConnectionsPerServer = 256 }) { Timeout = TimeSpan.FromSeconds(60) };
    private readonly ConcurrentDictionary<string, CampaignTurn> _byMessage = new(StringComparer.Ordinal);
    private readonly List<string> _notes = [];
    private readonly ConcurrentBag<Task> _recoveryWatches = [];

    // The stack's warnings (a Worker process killed and replaced, a batch failed) go to stderr: the campaign's own log.
    private readonly ILoggerFactory _stackLogs = LoggerFactory.Create(b => b.AddSimpleConsole(o => o.SingleLine = true).SetMinimumLevel(LogLevel.Warning).AddFilter("Microsoft", LogLevel.Error).AddConsole(o => o.LogToStandardErrorThreshold = LogLevel.Trace));
    private BedrockEmulatorServer? _bedrock;
    private StoreFaultProxy? _storeProxy;
    private LocalStack? _stack;
    private AmazonSQSClient? _sqs;
    private ChatApiClient? _api;
    private int _requests;
    private long _duplicatesSent;
    private long _viewerDrops;
    private int _inKilledBatchNotGenerating;
    private long _processesKilled;

    /// <summary>The tail of every Worker process's log, read at the end of the run (diagnostics for a failed invariant).</summary>
    public string WorkerLogTail { get; private set; } = "";

    public FaultCampaign(FaultPlan plan, Action<string> progress)
    {
        _plan = plan;
        _progress = progress;
    }

    /// <summary>The longest a turn may take to end whatever its faults: V + F for a kill's recovery, plus the catch-up's idle re-check (a lost terminal event) and a margin for the machine.</summary>
    private TimeSpan TurnBound => _plan.VisibilityTimeout + _plan.WorkerTimeout + new CatchUpOptions().IdleResnapshotAfter + TimeSpan.FromSeconds(15);

    private LocalStack Stack => _stack ?? throw new InvalidOperationException("Not started.");

    private ChatApiClient Api => _api ?? throw new InvalidOperationException("Not started.");

    private AmazonSQSClient Sqs => _sqs ?? throw new InvalidOperationException("Not started.");

    public async Task<FaultReport> RunAsync(string command, CancellationToken cancellationToken)
    {
        var started = DateTimeOffset.UtcNow;
        var clock = Stopwatch.StartNew();
        var loadAtStart = BenchCommand.LoadAverage();
        await StartAsync(cancellationToken).ConfigureAwait(false);

        var poison = await SendPoisonAsync(cancellationToken).ConfigureAwait(false);
        var turns = await RunTurnsAsync(cancellationToken).ConfigureAwait(false);
        (StormResult Result, List<CampaignTurn> Turns)? storm = _plan.StormViewers > 0 ? await RunStormAsync(cancellationToken).ConfigureAwait(false) : null;
        (BurstResult Result, List<CampaignTurn> Turns)? burst = _plan.BurstConversations > 0 ? await RunBurstAsync(cancellationToken).ConfigureAwait(false) : null;
        var all = turns.Concat(storm?.Turns ?? []).Concat(burst?.Turns ?? []).ToList();
        await Task.WhenAll(_recoveryWatches).ConfigureAwait(false);
        ClassifyKilledBatches(all);

        _progress("waiting for the queue to drain (redeliveries, duplicates, poison messages reaching the DLQ)…");
        var drained = await WaitForQueueToDrainAsync(poison.Count, cancellationToken).ConfigureAwait(false);
        var deadLetters = await ReadDeadLettersAsync(cancellationToken).ConfigureAwait(false);
        var busy = await BusyConversationsAsync(all, cancellationToken).ConfigureAwait(false);
        await AttachModelRequestsAsync(all, cancellationToken).ConfigureAwait(false);
        WorkerLogTail = Stack.WorkerProcesses!.OutputTail(100_000);

        var invariants = FaultChecks.Evaluate(new FaultChecks.Input(
            turns, storm?.Turns ?? [], burst?.Turns ?? [], poison, deadLetters, drained, busy,
            StreamLiveness.DefaultBound, RecoveryBound, ModelMaxAttempts));
        var stats = Stack.Events.Stats;
        var faults = new Dictionary<string, long>
        {
            ["model throttled before the stream (turns)"] = turns.Count(t => t.Plan.Model == ModelFault.Throttle),
            ["model error mid-stream (turns)"] = turns.Count(t => t.Plan.Model == ModelFault.StreamError),
            ["model stall beyond the between-bytes limit (turns)"] = turns.Count(t => t.Plan.Model == ModelFault.Stall),
            ["turns whose Worker was killed with SIGKILL mid-answer"] = turns.Count(t => t.KillTargeted),
            ["Worker processes killed (SIGKILL)"] = Interlocked.Read(ref _processesKilled),
            ["turns interrupted by those kills (same batch)"] = all.Count(t => t.Killed && !t.KillTargeted),
            ["records in a killed batch whose turn was not generating there"] = _inKilledBatchNotGenerating,
            ["duplicate SQS deliveries"] = Interlocked.Read(ref _duplicatesSent),
            ["viewer connections cut mid-stream (campaign turns)"] = Interlocked.Read(ref _viewerDrops),
            ["finish: conversation write failed after the message write (turns)"] = _storeProxy!.Triggered.Count,
            ["finish: failed DynamoDB writes"] = _storeProxy.FailedWrites,
            ["publishes throttled (429)"] = stats.PublishesThrottled,
            ["publishes failed 500 before delivery"] = stats.PublishServerErrors,
            ["publishes failed 500 after delivery"] = stats.PublishServerErrorsAfterDelivery,
            ["publish requests in all"] = stats.PublishRequests + stats.PublishesThrottled + stats.PublishServerErrors,
            ["poison messages"] = poison.Count,
            ["Worker process restarts"] = Stack.WorkerProcesses!.Restarts,
        };
        var triggered = _storeProxy.Triggered.ToHashSet(StringComparer.Ordinal);
        var finishFaulted = turns.Where(t => t.MessageId is { } id && triggered.Contains(id) && !t.Killed && t.FinalSeenAt is not null).ToList();
        var plain = turns.Where(t => t.Plan.Model == ModelFault.None && !t.Plan.FinishWriteFailure && !t.Killed && t.FinalSeenAt is not null)
            .Select(t => (t.FinalSeenAt!.Value - t.SentAt).TotalSeconds).Order().ToList();
        if (finishFaulted.Count > 0 && plain.Count > 0)
        {
            _notes.Add(FormattableString.Invariant($"Turns whose finish lost its second write: viewers saw the end {string.Join(", ", finishFaulted.Select(t => $"{(t.FinalSeenAt!.Value - t.SentAt).TotalSeconds:0.0}"))} s after the send (turns without faults: p50 {plain[plain.Count / 2]:0.0} s). A finish that still fails after the store's retries publishes no terminal event; its viewers find the end with the catch-up's idle re-check (docs/reliability.md)."));
        }

        foreach (var missed in turns.Where(t => t.KillMissed))
        {
            _notes.Add($"{missed.Label}: the planned kill found no running process (the turn ended first).");
        }

        var kills = all.Where(t => t.Killed).Select(t => new KilledTurn(
            t.MessageId ?? "?", t.KillTargeted, t.KilledProcessId,
            t.StoredFinalAt is { } final ? Math.Round((final - t.KilledAt!.Value).TotalMilliseconds) : double.NaN,
            t.FinalSeenAt is { } seen ? Math.Round((seen - t.KilledAt!.Value).TotalMilliseconds) : double.NaN,
            t.Stored?.Turn ?? 0, t.Stored?.Status ?? "?")).ToList();
        return new FaultReport
        {
            RunId = $"{started:yyyyMMdd-HHmmss}-{_plan.Name}",
            Command = command,
            StartedAt = started,
            DurationSeconds = Math.Round(clock.Elapsed.TotalSeconds, 1),
            Machine = new Dictionary<string, string>
            {
                ["processors"] = Environment.ProcessorCount.ToString(CultureInfo.InvariantCulture),
                ["loadAverageAtStart"] = loadAtStart,
                ["loadAverageAtEnd"] = BenchCommand.LoadAverage(),
            },
            Settings = Settings(),
            Turns = turns.Count,
            FaultsInjected = faults,
            Outcomes = all.GroupBy(t => t.Stored?.Status ?? "not stored").ToDictionary(g => g.Key, g => g.Count()),
            Invariants = invariants,
            Kills = kills,
            RecoveryBoundMs = RecoveryBound.TotalMilliseconds,
            Storm = storm?.Result,
            Burst = burst?.Result,
            Notes = _notes,
        };
    }

    /// <summary>
    /// A killed invocation's batch can hold records whose turn was not generating there: a duplicate of a turn
    /// running elsewhere, or a turn already stored final whose process died before answering the batch. Only a
    /// turn taken over (stored turn ≥ 2) lost its generation to the kill; the others are not counted as killed. Of
    /// those, a turn whose viewers saw the end well after the kill was stored final but killed before its terminal
    /// event went out: its viewers learned the end from the catch-up's idle re-check.
    /// </summary>
    private void ClassifyKilledBatches(IEnumerable<CampaignTurn> turns)
    {
        foreach (var turn in turns.Where(t => t.Killed && !t.KillTargeted && (t.Stored?.Turn ?? 1) < 2).ToList())
        {
            var seenAfter = turn.FinalSeenAt - turn.KilledAt;
            _inKilledBatchNotGenerating++;
            if (seenAfter > TimeSpan.FromSeconds(5))
            {
                _notes.Add(FormattableString.Invariant($"{turn.Label}: stored final when its process was killed, but its viewers saw the end only {seenAfter.Value.TotalSeconds:0.0} s later (the terminal event was not published; the catch-up's idle re-check found the final state)."));
            }

            turn.KilledAt = null;
        }
    }

    /// <summary>Kill → final: the record reappears at most V after its receive (which was before the kill), and the takeover's invocation ends the turn within F.</summary>
    private TimeSpan RecoveryBound => _plan.VisibilityTimeout + _plan.WorkerTimeout;

    private int ModelMaxAttempts => new Worker.Configuration.TurnOptions().ModelMaxAttempts;

    private Dictionary<string, string> Settings() => new()
    {
        ["seed"] = _plan.Seed.ToString(CultureInfo.InvariantCulture),
        ["turns"] = FormattableString.Invariant($"{_plan.Conversations} conversations × {_plan.TurnsPerConversation} turns, {_plan.ViewersPerTurn} viewers each (catch-up of the client library)"),
        ["model"] = FormattableString.Invariant($"time to first token {_plan.TimeToFirstTokenMs} ms, {_plan.TokensPerSecond} tokens/s, {_plan.AnswerTokens}-token answers ({_plan.KillAnswerTokens} for the turns to kill)"),
        ["fault rates"] = FormattableString.Invariant($"model throttle {_plan.ModelThrottleRate:P0}, mid-stream error {_plan.StreamErrorRate:P0}, stall {_plan.StallRate:P0} ({_plan.StallLength.TotalSeconds:0} s), kill {_plan.KillRate:P0}, duplicate delivery {_plan.DuplicateRate:P0}, viewer drop {_plan.ViewerDropRate:P0} per viewer, finish write failure {_plan.FinishWriteFailureRate:P0}, publish 429 {_plan.PublishThrottleRate:P1} / 500 {_plan.PublishErrorRate:P1} / 500 after delivery {_plan.PublishErrorAfterDeliveryRate:P1}{(_plan.PublishFaultsTransient ? " (transient: a retry gets through)" : " (every attempt drawn anew)")}, {_plan.PoisonMessages} poison messages{(_plan.AtLeastOneOfEach ? "; at least one turn of each kind" : "")}"),
        ["Worker"] = FormattableString.Invariant($"{_plan.WorkerEnvironments} processes (dotnet exec bootstrap-worker.dll, JIT), batches of {_plan.BatchSize}, timeout F = {_plan.WorkerTimeout.TotalSeconds:0} s, deadline margin {DeadlineMargin.TotalSeconds} s, between-bytes limit {_plan.BetweenBytesTimeout.TotalSeconds:0} s, publish {PublishAttempts} attempts of {PublishAttemptTimeout.TotalMilliseconds:0} ms"),
        ["queue"] = FormattableString.Invariant($"visibility timeout V = {_plan.VisibilityTimeout.TotalSeconds:0} s, 3 receives before the DLQ, abandon after V + 60 s"),
        ["storm"] = _plan.StormViewers == 0 ? "none" : FormattableString.Invariant($"{_plan.StormViewers} viewers, {_plan.StormDropShare:P0} drop and rejoin, {_plan.StormAnswerTokens} tokens at {_plan.StormTokensPerSecond} tokens/s"),
        ["burst"] = _plan.BurstConversations == 0 ? "none" : FormattableString.Invariant($"{_plan.BurstConversations} conversations at once"),
    };

    // Publish settings short enough that the end of a turn fits a small deadline margin (the Worker's start-up
    // check: margin ≥ response margin 1 s + 2 × one settled publish + 1 s; (3 × 0.3 + 2 × 0.1) × 2 + 0.05 = 2.25 s).
    private const int PublishAttempts = 3;
    private static readonly TimeSpan PublishAttemptTimeout = TimeSpan.FromMilliseconds(300);
    private static readonly TimeSpan PublishMaxDelay = TimeSpan.FromMilliseconds(100);
    private static readonly TimeSpan DeadlineMargin = TimeSpan.FromMilliseconds(6500);

    private async Task StartAsync(CancellationToken cancellationToken)
    {
        _progress("starting the Local stack with the Worker in its own processes…");
        _bedrock = await BedrockEmulatorServer.StartAsync(
            new BedrockEmulatorOptions { Port = 0, RequestLogCapacity = 20_000, TimeToFirstToken = TimeSpan.FromMilliseconds(_plan.TimeToFirstTokenMs), TokensPerSecond = _plan.TokensPerSecond, AnswerTokens = _plan.AnswerTokens },
            cancellationToken).ConfigureAwait(false);
        _storeProxy = await StoreFaultProxy.StartAsync(cancellationToken).ConfigureAwait(false);
        var ms = (TimeSpan t) => ((long)t.TotalMilliseconds).ToString(CultureInfo.InvariantCulture);
        _stack = await LocalStack.StartAsync(
            new LocalStackOptions
            {
                Ports = LocalStackPorts.Dynamic,
                WorkerProcess = ExternalWorkerOptions.BesideThisProgram(typeof(FaultCampaign).Assembly),
                WorkerConcurrency = _plan.WorkerEnvironments,
                WorkerBatchSize = _plan.BatchSize,
                WorkerTimeout = _plan.WorkerTimeout,
                QueueVisibilityTimeout = _plan.VisibilityTimeout,
                EventsPublishFaults = new EventsPublishFaults
                {
                    Seed = _plan.Seed,
                    ThrottleRate = _plan.PublishThrottleRate,
                    ServerErrorRate = _plan.PublishErrorRate,
                    ServerErrorAfterDeliveryRate = _plan.PublishErrorAfterDeliveryRate,
                    RetriesSucceed = _plan.PublishFaultsTransient,
                },
                WorkerSettings = new Dictionary<string, string>
                {
                    [SettingNames.BedrockEndpoint] = _bedrock.BaseAddress.ToString().TrimEnd('/'),
                    [SettingNames.DynamoDbEndpoint] = _storeProxy.Endpoint.ToString().TrimEnd('/'),
                    [SettingNames.BetweenBytesTimeoutMs] = ms(_plan.BetweenBytesTimeout),
                    [SettingNames.DeadlineMarginMs] = ms(DeadlineMargin),
                    [SettingNames.PublishMaxAttempts] = PublishAttempts.ToString(CultureInfo.InvariantCulture),
                    [SettingNames.PublishAttemptTimeoutMs] = ms(PublishAttemptTimeout),
                    [SettingNames.PublishMaxDelayMs] = ms(PublishMaxDelay),
                },
                LoggerFactory = _stackLogs,
                Model = new LocalModelOptions { TimeToFirstToken = TimeSpan.FromMilliseconds(_plan.TimeToFirstTokenMs), TokensPerSecond = _plan.TokensPerSecond, AnswerTokens = _plan.AnswerTokens },
            },
            cancellationToken).ConfigureAwait(false);
        var e = Stack.Endpoints;
        _storeProxy.Target = new Uri(e.DynamoDbUrl);
        _sqs = SqsClientFactory.Create(new BasicAWSCredentials(e.AccessKeyId, e.SecretAccessKey), e.Region, new Uri(e.SqsUrl));
        _api = new ChatApiClient(_http, new Uri(e.GraphqlUrl), GraphQLAuth.ApiKey(e.GraphqlApiKey), TimeSpan.FromSeconds(60));

        // Every Worker process up and one answer through the whole path before the clock of any fault starts.
        var wait = Stopwatch.StartNew();
        while (Stack.WorkerProcesses!.ProcessIds.Count < _plan.WorkerEnvironments && wait.Elapsed < TimeSpan.FromSeconds(60))
        {
            await Task.Delay(50, cancellationToken).ConfigureAwait(false);
        }

        // One warm-up answer per process, and more: each process JIT-compiles the streaming path on its first answer,
        // which on 2 cores paused every answer of that process for about a second (seen as the liveness invariant
        // failing on the first turns). Deployed functions are Native AOT and have no such pause. The answers are
        // long enough and sent far enough apart that each arrives while the earlier ones still hold their processes.
        var warmUps = new List<Task>();
        for (var i = 0; i < _plan.WorkerEnvironments * 2; i++)
        {
            warmUps.Add(WarmUpAsync(cancellationToken));
            await Task.Delay(250, cancellationToken).ConfigureAwait(false);
        }

        await Task.WhenAll(warmUps).ConfigureAwait(false);
        _progress(FormattableString.Invariant($"stack ready, {Stack.WorkerProcesses.ProcessIds.Count} Worker processes (pids {string.Join(", ", Stack.WorkerProcesses.ProcessIds)}), warm-up answered in {wait.Elapsed.TotalSeconds:0.0} s"));
    }

    private async Task WarmUpAsync(CancellationToken cancellationToken)
    {
        var warmUp = await Api.CreateConversationAsync(new CreateConversationInput { ClientRequestId = NextRequestId() }, cancellationToken).ConfigureAwait(false);
        var sent = await Api.SendMessageAsync(new SendMessageInput { ConversationId = warmUp.ConversationId, Text = "Warm-up. [[ttft=0]] [[tokens=60]] [[rate=40]]", ClientRequestId = NextRequestId() }, cancellationToken).ConfigureAwait(false);
        if (await WaitFinalAsync(warmUp.ConversationId, sent.AssistantMessageId, TimeSpan.FromSeconds(90), cancellationToken).ConfigureAwait(false) is not { Status: MessageStatus.Completed })
        {
            throw new InvalidOperationException("A warm-up answer did not complete: the stack is not working. Worker output:\n" + Stack.WorkerProcesses!.OutputTail());
        }
    }

    private string NextRequestId() => $"fault-{_runTag}-{Interlocked.Increment(ref _requests)}";

    private EventsWebSocketOptions ViewerOptions(TcpDropProxy? proxy)
    {
        var e = Stack.Endpoints;
        var realtime = new Uri(e.EventsRealtimeUrl!);
        return new EventsWebSocketOptions
        {
            HttpEndpoint = new Uri(e.EventsHttpUrl!),
            RealtimeEndpoint = proxy is null ? realtime : new UriBuilder(realtime) { Port = proxy.Port }.Uri,
            Authorization = EventsAuthorization.ApiKey(e.EventsApiKey),
        };
    }

    /// <summary>Unparseable bodies straight onto the turn queue: the Worker fails them every time, the redrive policy moves them to the DLQ.</summary>
    private async Task<List<string>> SendPoisonAsync(CancellationToken cancellationToken)
    {
        var bodies = new List<string>();
        for (var i = 0; i < _plan.PoisonMessages; i++)
        {
            var body = (i % 3) switch
            {
                0 => $"poison {_runTag}-{i}: not JSON at all",
                1 => $"{{\"v\":1,\"poison\":\"{_runTag}-{i}\"}}",
                _ => $"{{\"v\":7,\"requestId\":\"poison-{_runTag}-{i}\",\"conversationId\":\"c\",\"userMessageId\":\"u\",\"assistantMessageId\":\"a\",\"turn\":1}}",
            };
            await Sqs.SendMessageAsync(new SendMessageRequest { QueueUrl = Stack.Endpoints.QueueUrl, MessageBody = body }, cancellationToken).ConfigureAwait(false);
            bodies.Add(body);
        }

        return bodies;
    }

    private async Task<List<CampaignTurn>> RunTurnsAsync(CancellationToken cancellationToken)
    {
        var planned = _plan.DrawTurns();
        _progress(FormattableString.Invariant($"{planned.Count} turns in {_plan.Conversations} conversations, seed {_plan.Seed}…"));
        var turns = planned.Select(p => new CampaignTurn($"c{p.Conversation}t{p.Index}", $"fc{_runTag}x{p.Conversation}y{p.Index}", p)).ToList();
        var clock = Stopwatch.StartNew();
        var done = 0;
        await Parallel.ForEachAsync(turns.GroupBy(t => t.Plan.Conversation), new ParallelOptions { MaxDegreeOfParallelism = _plan.Conversations, CancellationToken = cancellationToken }, async (conversation, ct) =>
        {
            var created = await Api.CreateConversationAsync(new CreateConversationInput { ClientRequestId = NextRequestId() }, ct).ConfigureAwait(false);
            foreach (var turn in conversation)
            {
                turn.ConversationId = created.ConversationId;
                await RunTurnAsync(turn, ct).ConfigureAwait(false);
                var n = Interlocked.Increment(ref done);
                if (n % Math.Max(1, turns.Count / 10) == 0)
                {
                    _progress(FormattableString.Invariant($"{n}/{turns.Count} turns done ({clock.Elapsed.TotalSeconds:0} s)"));
                }
            }
        }).ConfigureAwait(false);
        return turns;
    }

    /// <summary>One turn: viewers subscribe, the message is sent, the turn's faults are applied while it runs, then its end is awaited.</summary>
    private async Task RunTurnAsync(CampaignTurn turn, CancellationToken cancellationToken)
    {
        try
        {
            foreach (var drops in turn.Plan.ViewerDrops)
            {
                var proxy = drops ? new TcpDropProxy(new Uri(Stack.Endpoints.EventsRealtimeUrl!).Port) : null;
                var viewer = await Viewer.SubscribeAsync(ViewerOptions(proxy), turn.ConversationId, cancellationToken).ConfigureAwait(false);
                turn.Viewers.Add(new CampaignViewer(viewer, proxy));
            }

            var sent = await SendAsync(turn, _plan.Directives(turn.Plan.Model), cancellationToken).ConfigureAwait(false);
            if (turn.Plan.FinishWriteFailure)
            {
                _storeProxy!.Arm(sent.AssistantMessageId);
            }

            foreach (var v in turn.Viewers)
            {
                v.Viewer.Follow(Api, turn.ConversationId, sent.AssistantMessageId);
            }

            if (turn.Plan.Duplicate == DuplicateDelivery.WhileRunning)
            {
                await SendDuplicateAsync(turn, sent, cancellationToken).ConfigureAwait(false);
            }

            var faults = new List<Task>();
            if (turn.Plan.Model == ModelFault.Kill)
            {
                faults.Add(KillMidStreamAsync(turn, cancellationToken));
            }

            var random = new Random(HashCode.Combine(_plan.Seed, turn.Plan.Conversation, turn.Plan.Index));
            foreach (var v in turn.Viewers.Where(v => v.Proxy is not null))
            {
                faults.Add(DropMidStreamAsync(turn, v, TimeSpan.FromMilliseconds(random.Next(0, 400)), cancellationToken));
            }

            await WaitForEndAsync(turn, cancellationToken).ConfigureAwait(false);
            await Task.WhenAll(faults).ConfigureAwait(false);
            if (turn.Plan.Duplicate == DuplicateDelivery.AfterFinal)
            {
                await SendDuplicateAsync(turn, sent, cancellationToken).ConfigureAwait(false);
            }
        }
        catch (Exception ex) when (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            turn.Error = ex.GetType().Name + ": " + ex.Message;
        }
        finally
        {
            await CloseViewersAsync(turn).ConfigureAwait(false);
        }
    }

    /// <summary>Sends the turn's message (its marker names it in the model's request log) and registers its ids.</summary>
    private async Task<SendMessageResult> SendAsync(CampaignTurn turn, string directives, CancellationToken cancellationToken)
    {
        turn.SentAt = DateTimeOffset.UtcNow;
        var text = $"Fault campaign {turn.Marker}: explain how a streamed answer reaches every viewer. {directives}";
        var sent = await Api.SendMessageAsync(new SendMessageInput { ConversationId = turn.ConversationId, Text = text, ClientRequestId = NextRequestId() }, cancellationToken).ConfigureAwait(false);
        turn.MessageId = sent.AssistantMessageId;
        turn.UserMessageId = sent.UserMessageId;
        _byMessage[sent.AssistantMessageId] = turn;
        return sent;
    }

    /// <summary>Waits (bounded) for every viewer's terminal update and the stored final state, and parses what each viewer saw.</summary>
    private async Task WaitForEndAsync(CampaignTurn turn, CancellationToken cancellationToken)
    {
        var viewers = Task.WhenAll(turn.Viewers.Select(v => v.Viewer.Terminal));
        var ended = await Task.WhenAny(viewers, Task.Delay(TurnBound, cancellationToken)).ConfigureAwait(false);
        if (ended != viewers)
        {
            turn.Error = $"not every viewer saw the turn end within {TurnBound.TotalSeconds:0} s";
        }
        else if (viewers.IsFaulted)
        {
            turn.Error = "a viewer failed: " + viewers.Exception?.InnerException?.Message;
        }

        turn.Stored = await WaitFinalAsync(turn.ConversationId, turn.MessageId!, TimeSpan.FromSeconds(20), cancellationToken).ConfigureAwait(false);
        var seenFinal = turn.Viewers.Select(v => v.Viewer.Updates().FirstOrDefault(u => u.Update is MessageFinished f && f.MessageId == turn.MessageId))
            .Where(u => u.Update is not null).Select(u => u.At).ToList();
        turn.FinalSeenAt ??= seenFinal.Count > 0 ? seenFinal.Min() : DateTimeOffset.UtcNow;
        foreach (var v in turn.Viewers)
        {
            v.Trace = ViewerTrace.Parse(v.Viewer.Events(), v.Viewer.Updates(), turn.MessageId!);
        }
    }

    private static async Task CloseViewersAsync(CampaignTurn turn)
    {
        foreach (var v in turn.Viewers)
        {
            await v.Viewer.DisposeAsync().ConfigureAwait(false);
            if (v.Proxy is not null)
            {
                await v.Proxy.DisposeAsync().ConfigureAwait(false);
            }
        }
    }

    /// <summary>
    /// Once the answer's text streams, finds the Worker process holding the turn's invocation and kills it (SIGKILL).
    /// Every record of that invocation dies with it; each is marked killed, with the kill's time.
    /// </summary>
    private async Task KillMidStreamAsync(CampaignTurn turn, CancellationToken cancellationToken)
    {
        var limit = Stopwatch.StartNew();
        while (!turn.Viewers.Any(v => v.SawText(turn.MessageId!)))
        {
            if (limit.Elapsed > TurnBound || turn.Viewers.All(v => v.Viewer.Terminal.IsCompleted))
            {
                turn.KillMissed = true;
                return;
            }

            await Task.Delay(10, cancellationToken).ConfigureAwait(false);
        }

        await Task.Delay(300, cancellationToken).ConfigureAwait(false); // well inside the answer (several hundred ms of text)
        // Every process whose invocation holds the turn's record: a copy delivered twice (SQS is at-least-once; a
        // send retried under load is enough) sits in another batch, and only one of them is generating.
        var killed = Stack.WorkerProcesses!.KillEnvironmentsRunning(turn.MessageId!);
        if (killed.Count == 0)
        {
            turn.KillMissed = true;
            return;
        }

        Interlocked.Add(ref _processesKilled, killed.Count);
        foreach (var environment in killed)
        {
            var sqsEvent = JsonSerializer.Deserialize(environment.Payload, LambdaEventsJsonContext.Default.SqsEvent);
            foreach (var record in sqsEvent?.Records ?? [])
            {
                if (TryParseRequest(record.Body) is { } request && _byMessage.TryGetValue(request.AssistantMessageId, out var victim))
                {
                    lock (victim)
                    {
                        if (victim.KilledAt is not null)
                        {
                            continue;
                        }

                        victim.KilledAt = environment.KilledAt;
                        victim.KilledProcessId = environment.ProcessId;
                    }

                    _recoveryWatches.Add(WatchRecoveryAsync(victim, cancellationToken));
                }
            }
        }

        turn.KillTargeted = true;
    }

    /// <summary>Polls the stored message of a killed turn until it is final: the recovery time is kill → stored final.</summary>
    private async Task WatchRecoveryAsync(CampaignTurn turn, CancellationToken cancellationToken)
    {
        if (await WaitFinalAsync(turn.ConversationId, turn.MessageId!, TurnBound, cancellationToken).ConfigureAwait(false) is { } message && MessageStatus.IsFinal(message.Status))
        {
            turn.StoredFinalAt = DateTimeOffset.UtcNow;
        }
    }

    private static ChatTurnRequest? TryParseRequest(string? body)
    {
        try
        {
            return body is null ? null : JsonSerializer.Deserialize(body, ContractsJsonContext.Default.ChatTurnRequest);
        }
        catch (JsonException)
        {
            return null;
        }
    }

    /// <summary>Cuts one viewer's connection once its text streams (after <paramref name="after"/> more); its client reconnects by itself.</summary>
    private async Task DropMidStreamAsync(CampaignTurn turn, CampaignViewer viewer, TimeSpan after, CancellationToken cancellationToken)
    {
        while (!viewer.SawText(turn.MessageId!))
        {
            if (viewer.Viewer.Terminal.IsCompleted)
            {
                return; // the answer ended (or failed) before any text: nothing to cut mid-stream
            }

            await Task.Delay(10, cancellationToken).ConfigureAwait(false);
        }

        await Task.Delay(after, cancellationToken).ConfigureAwait(false);
        viewer.Proxy!.DropAll();
        viewer.Dropped = true;
        Interlocked.Increment(ref _viewerDrops);
    }

    /// <summary>Sends the turn's queue message again, as SQS may deliver a message twice (at-least-once).</summary>
    private async Task SendDuplicateAsync(CampaignTurn turn, SendMessageResult sent, CancellationToken cancellationToken)
    {
        var request = new ChatTurnRequest
        {
            RequestId = $"duplicate-{turn.Marker}",
            ConversationId = sent.ConversationId,
            UserMessageId = sent.UserMessageId,
            AssistantMessageId = sent.AssistantMessageId,
            Turn = sent.Turn > 0 ? sent.Turn : 1,
            RequestedAtMs = turn.SentAt.ToUnixTimeMilliseconds(),
        };
        var body = JsonSerializer.Serialize(request, ContractsJsonContext.Default.ChatTurnRequest);
        await Sqs.SendMessageAsync(new SendMessageRequest { QueueUrl = Stack.Endpoints.QueueUrl, MessageBody = body }, cancellationToken).ConfigureAwait(false);
        turn.DuplicateSent = true;
        Interlocked.Increment(ref _duplicatesSent);
    }

    private async Task<Message?> WaitFinalAsync(string conversationId, string messageId, TimeSpan timeout, CancellationToken cancellationToken)
    {
        var clock = Stopwatch.StartNew();
        Message? message = null;
        while (clock.Elapsed < timeout)
        {
            var conversation = await Api.GetConversationAsync(conversationId, 20, cancellationToken).ConfigureAwait(false);
            message = conversation?.Messages.FirstOrDefault(m => m.MessageId == messageId);
            if (message is not null && MessageStatus.IsFinal(message.Status))
            {
                return message;
            }

            await Task.Delay(100, cancellationToken).ConfigureAwait(false);
        }

        return message;
    }

    /// <summary>
    /// The reconnect storm: many viewers follow one long answer; most have their connection cut at a random moment
    /// mid-stream and rejoin through their client's reconnect; every one must end with the stored text, and the
    /// ones that stayed must see the text flow within the liveness bound.
    /// </summary>
    private async Task<(StormResult Result, List<CampaignTurn> Turns)> RunStormAsync(CancellationToken cancellationToken)
    {
        _progress($"reconnect storm: {_plan.StormViewers} viewers of one answer…");
        var random = new Random(_plan.Seed ^ 0x5708);
        var turn = new CampaignTurn("storm", $"fc{_runTag}storm", new PlannedTurn(-1, 0, ModelFault.None, DuplicateDelivery.None, false, []));
        var created = await Api.CreateConversationAsync(new CreateConversationInput { ClientRequestId = NextRequestId() }, cancellationToken).ConfigureAwait(false);
        turn.ConversationId = created.ConversationId;
        var droppers = (int)Math.Round(_plan.StormViewers * _plan.StormDropShare);
        var eventsPort = new Uri(Stack.Endpoints.EventsRealtimeUrl!).Port;
        var subscribed = new CampaignViewer[_plan.StormViewers];
        await Parallel.ForEachAsync(Enumerable.Range(0, _plan.StormViewers), new ParallelOptions { MaxDegreeOfParallelism = 32, CancellationToken = cancellationToken }, async (i, ct) =>
        {
            var proxy = i < droppers ? new TcpDropProxy(eventsPort) : null;
            subscribed[i] = new CampaignViewer(await Viewer.SubscribeAsync(ViewerOptions(proxy), turn.ConversationId, ct).ConfigureAwait(false), proxy);
        }).ConfigureAwait(false);
        turn.Viewers.AddRange(subscribed);

        var answer = TimeSpan.FromSeconds(_plan.StormAnswerTokens / _plan.StormTokensPerSecond);
        try
        {
            var sent = await SendAsync(turn, FormattableString.Invariant($"[[ttft={_plan.TimeToFirstTokenMs}]] [[rate={_plan.StormTokensPerSecond}]] [[tokens={_plan.StormAnswerTokens}]] [[fault=none]]"), cancellationToken).ConfigureAwait(false);
            foreach (var v in turn.Viewers)
            {
                v.Viewer.Follow(Api, turn.ConversationId, sent.AssistantMessageId);
            }

            // Each dropper is cut at a random moment in the first 60 % of the answer (after its first text).
            var drops = turn.Viewers.Where(v => v.Proxy is not null)
                .Select(v => DropMidStreamAsync(turn, v, answer * (random.NextDouble() * 0.6), cancellationToken)).ToList();
            await WaitForEndAsync(turn, cancellationToken).ConfigureAwait(false);
            await Task.WhenAll(drops).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            turn.Error = ex.GetType().Name + ": " + ex.Message;
        }

        await AttachModelRequestsAsync([turn], cancellationToken).ConfigureAwait(false);
        var stayers = turn.Viewers.Where(v => !v.Dropped).ToList();
        var gaps = stayers.Select(v => turn.StreamedModel is { } m && v.Trace is { } t ? StreamLiveness.MaxGapMs(t.Pieces, m) ?? 0 : 0).ToList();
        var result = new StormResult
        {
            Viewers = turn.Viewers.Count,
            Dropped = turn.Viewers.Count(v => v.Dropped),
            Reconnects = turn.Viewers.Sum(v => v.Viewer.Updates().Count(u => u.Update is Resynced { Reason: ResyncReason.Reconnected })),
            Mismatches = turn.Viewers.Count(v => v.Trace?.Text != turn.Stored?.Text),
            StayersChecked = stayers.Count,
            LivenessViolations = gaps.Count(g => g > StreamLiveness.DefaultBound.TotalMilliseconds),
            LongestGapMs = Math.Round(gaps.DefaultIfEmpty(0).Max()),
            AnswerSeconds = answer.TotalSeconds,
        };
        await CloseViewersAsync(turn).ConfigureAwait(false);
        _progress($"storm: {result.Dropped} dropped, {result.Reconnects} reconnects, {result.Mismatches} mismatches, stayers' longest gap {result.LongestGapMs} ms");
        return (result, [turn]);
    }

    /// <summary>The send burst: many conversations send at the same moment, one viewer each.</summary>
    private async Task<(BurstResult Result, List<CampaignTurn> Turns)> RunBurstAsync(CancellationToken cancellationToken)
    {
        _progress($"send burst: {_plan.BurstConversations} conversations at once…");
        var turns = Enumerable.Range(0, _plan.BurstConversations)
            .Select(i => new CampaignTurn($"burst{i}", $"fc{_runTag}burst{i}", new PlannedTurn(-1, i, ModelFault.None, DuplicateDelivery.None, false, [false])))
            .ToList();
        await Parallel.ForEachAsync(turns, new ParallelOptions { MaxDegreeOfParallelism = 16, CancellationToken = cancellationToken }, async (turn, ct) =>
        {
            var created = await Api.CreateConversationAsync(new CreateConversationInput { ClientRequestId = NextRequestId() }, ct).ConfigureAwait(false);
            turn.ConversationId = created.ConversationId;
            turn.Viewers.Add(new CampaignViewer(await Viewer.SubscribeAsync(ViewerOptions(null), turn.ConversationId, ct).ConfigureAwait(false), null));
        }).ConfigureAwait(false);

        var clock = Stopwatch.StartNew();
        using var go = new SemaphoreSlim(0);
        var sends = turns.Select(async turn =>
        {
            await go.WaitAsync(cancellationToken).ConfigureAwait(false);
            try
            {
                var sent = await SendAsync(turn, _plan.Directives(ModelFault.None), cancellationToken).ConfigureAwait(false);
                turn.Viewers[0].Viewer.Follow(Api, turn.ConversationId, sent.AssistantMessageId);
                await WaitForEndAsync(turn, cancellationToken).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
            {
                turn.Error = ex.GetType().Name + ": " + ex.Message;
            }
            finally
            {
                await CloseViewersAsync(turn).ConfigureAwait(false);
            }
        }).ToList();
        go.Release(turns.Count);
        await Task.WhenAll(sends).ConfigureAwait(false);
        var allFinal = clock.Elapsed;

        await AttachModelRequestsAsync(turns, cancellationToken).ConfigureAwait(false);
        var firstText = turns.Select(t => t.Viewers[0].Trace?.FirstTextAt is { } at ? (at - t.SentAt).TotalMilliseconds : double.NaN).Where(d => !double.IsNaN(d)).Order().ToList();
        var gaps = turns.Select(t => t.StreamedModel is { } m && t.Viewers[0].Trace is { } tr ? StreamLiveness.MaxGapMs(tr.Pieces, m) ?? 0 : 0).ToList();
        var result = new BurstResult
        {
            Conversations = turns.Count,
            Mismatches = turns.Count(t => t.Viewers[0].Trace?.Text != t.Stored?.Text),
            NotCompleted = turns.Count(t => t.Stored?.Status != MessageStatus.Completed),
            LivenessViolations = gaps.Count(g => g > StreamLiveness.DefaultBound.TotalMilliseconds),
            AllFinalSeconds = Math.Round(allFinal.TotalSeconds, 1),
            FirstTextP50Ms = firstText.Count > 0 ? Math.Round(firstText[firstText.Count / 2]) : double.NaN,
            FirstTextMaxMs = firstText.Count > 0 ? Math.Round(firstText[^1]) : double.NaN,
        };
        _progress($"burst: all final after {result.AllFinalSeconds} s, {result.Mismatches} mismatches, {result.NotCompleted} not completed");
        return (result, turns);
    }

    /// <summary>
    /// Waits until the turn queue holds no message (visible or in flight): every redelivery, duplicate and poison
    /// message has been dealt with. Bounded by three visibility timeouts (a poison message's three receives) plus
    /// one Worker timeout after the last turn.
    /// </summary>
    private async Task<bool> WaitForQueueToDrainAsync(int poisonMessages, CancellationToken cancellationToken)
    {
        var limit = (_plan.VisibilityTimeout * 3) + _plan.WorkerTimeout + TimeSpan.FromSeconds(10);
        var clock = Stopwatch.StartNew();
        while (clock.Elapsed < limit)
        {
            var attributes = await Sqs.GetQueueAttributesAsync(
                new GetQueueAttributesRequest { QueueUrl = Stack.Endpoints.QueueUrl, AttributeNames = ["ApproximateNumberOfMessages"] },
                cancellationToken).ConfigureAwait(false);
            if (attributes.ApproximateNumberOfMessages == 0)
            {
                _progress(FormattableString.Invariant($"queue drained after {clock.Elapsed.TotalSeconds:0} s"));
                return true;
            }

            await Task.Delay(500, cancellationToken).ConfigureAwait(false);
        }

        _notes.Add(FormattableString.Invariant($"The turn queue still held messages {limit.TotalSeconds:0} s after the last turn ({poisonMessages} poison messages were sent)."));
        return false;
    }

    private async Task<List<string>> ReadDeadLettersAsync(CancellationToken cancellationToken)
    {
        var bodies = new List<string>();
        while (true)
        {
            var received = await Sqs.ReceiveMessageAsync(
                new ReceiveMessageRequest { QueueUrl = Stack.Endpoints.DeadLetterQueueUrl, MaxNumberOfMessages = 10, WaitTimeSeconds = 0, VisibilityTimeout = 600 },
                cancellationToken).ConfigureAwait(false);
            if (received.Messages is not { Count: > 0 } messages)
            {
                return bodies;
            }

            bodies.AddRange(messages.Select(m => m.Body));
        }
    }

    /// <summary>Conversations still pointing at an active message after everything ended (a finish that never freed them).</summary>
    private async Task<List<string>> BusyConversationsAsync(IEnumerable<CampaignTurn> turns, CancellationToken cancellationToken)
    {
        var busy = new List<string>();
        foreach (var conversationId in turns.Select(t => t.ConversationId).Where(c => c.Length > 0).Distinct())
        {
            var conversation = await Api.GetConversationAsync(conversationId, 1, cancellationToken).ConfigureAwait(false);
            if (conversation?.ActiveMessageId is { } active)
            {
                busy.Add($"{conversationId} → {active}");
            }
        }

        return busy;
    }

    /// <summary>Reads the Bedrock emulator's request log: every request of each turn (by marker), and the last streamed one's token times.</summary>
    private async Task AttachModelRequestsAsync(IReadOnlyList<CampaignTurn> turns, CancellationToken cancellationToken)
    {
        var bedrockUrl = _bedrock!.BaseAddress.ToString().TrimEnd('/');
        var byMarker = turns.ToDictionary(t => t.Marker, StringComparer.Ordinal);
        foreach (var turn in turns)
        {
            turn.ModelRequests.Clear();
        }

        using (var document = JsonDocument.Parse(await _http.GetStringAsync(new Uri(bedrockUrl + "/_emulator/requests"), cancellationToken).ConfigureAwait(false)))
        {
            foreach (var entry in document.RootElement.EnumerateArray())
            {
                var prompt = entry.TryGetProperty("prompt", out var p) ? p.GetString() ?? "" : "";
                // The last marker: a question after one that failed without text reaches the model joined to it.
                if (prompt.Split(' ', ':').LastOrDefault(byMarker.ContainsKey) is { } marker)
                {
                    byMarker[marker].ModelRequests.Add(new ModelRequest(entry.GetProperty("requestId").GetString()!, prompt, entry.GetProperty("outcome").GetString() ?? ""));
                }
            }
        }

        await Parallel.ForEachAsync(turns.Where(t => t.ModelRequests.Any(r => r.Streamed)), new ParallelOptions { MaxDegreeOfParallelism = 16, CancellationToken = cancellationToken }, async (turn, ct) =>
        {
            var last = turn.ModelRequests.Last(r => r.Streamed);
            using var response = await _http.GetAsync(new Uri($"{bedrockUrl}/_emulator/requests/{last.RequestId}"), ct).ConfigureAwait(false);
            if (response.StatusCode == HttpStatusCode.OK)
            {
                turn.StreamedModel = ModelTurn.Parse(await response.Content.ReadAsStringAsync(ct).ConfigureAwait(false));
            }
        }).ConfigureAwait(false);
    }

    public async ValueTask DisposeAsync()
    {
        if (_stack is not null)
        {
            await _stack.DisposeAsync().ConfigureAwait(false);
        }

        if (_storeProxy is not null)
        {
            await _storeProxy.DisposeAsync().ConfigureAwait(false);
        }

        if (_bedrock is not null)
        {
            await _bedrock.DisposeAsync().ConfigureAwait(false);
        }

        _sqs?.Dispose();
        _http.Dispose();
        _stackLogs.Dispose();
    }
}
