using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using AppSyncChat.Bench.Hosting;
using AppSyncChat.Bench.Metrics;
using AppSyncChat.Aws.AppSyncEvents;
using AppSyncChat.Client.CatchUp;
using AppSyncChat.Client.GraphQL;
using AppSyncChat.Contracts.Conversations;

namespace AppSyncChat.Bench.Load;

/// <summary>
/// Runs a <see cref="BenchPlan"/>: starts the stack (child process), then per publish strategy a Worker
/// (child process), runs the workloads with simulated viewers in this process, and measures.
/// </summary>
public sealed class BenchRunner : IAsyncDisposable
{
    /// <summary>The workload of users sending the first message of a new conversation.</summary>
    public const string NewConversationWorkload = "new-conv";

    private static readonly string[] FinalStatuses = [MessageStatus.Completed, MessageStatus.Cancelled, MessageStatus.Failed, MessageStatus.Interrupted];

    private readonly BenchPlan _plan;
    private readonly Action<string> _progress;
    private readonly string _runTag;
    private readonly HttpClient _http;
    private readonly List<string> _conversations = [];
    private IBenchPart? _stackPart;
    private IBenchPart? _workerPart;
    private StackInfo? _stack;
    private ChatApiClient? _api;
    private int _turnCounter;

    public BenchRunner(BenchPlan plan, Action<string> progress)
    {
        _plan = plan;
        _progress = progress;
        _runTag = DateTimeOffset.UtcNow.ToString("HHmmss", CultureInfo.InvariantCulture);
        _http = new HttpClient(new SocketsHttpHandler { UseProxy = false, MaxConnectionsPerServer = 256, PooledConnectionLifetime = TimeSpan.FromMinutes(10) })
        {
            Timeout = TimeSpan.FromSeconds(100),
        };
    }

    public List<WorkerStartup> WorkerStartups { get; } = [];

    public double StackStartMs { get; private set; }

    private StackInfo Stack => _stack ?? throw new InvalidOperationException("The stack is not started.");

    private ChatApiClient Api => _api ?? throw new InvalidOperationException("The stack is not started.");

    private IBenchPart WorkerPart => _workerPart ?? throw new InvalidOperationException("No Worker is running.");

    public async Task<List<WorkloadResult>> RunAsync(CancellationToken cancellationToken)
    {
        var results = new List<WorkloadResult>();
        await StartStackAsync(cancellationToken).ConfigureAwait(false);
        foreach (var strategy in _plan.Strategies)
        {
            var ours = strategy == _plan.Strategies[0];
            await StartWorkerAsync(strategy, cancellationToken).ConfigureAwait(false);
            if (_conversations.Count == 0)
            {
                await CreateConversationsAsync(Math.Max(_plan.MaxConcurrentTurns, 1), cancellationToken).ConfigureAwait(false);
            }

            await WarmUpAsync(cancellationToken).ConfigureAwait(false);
            await MeasureIdleAsync(cancellationToken).ConfigureAwait(false);

            foreach (var n in ours ? _plan.ChatLevels : _plan.BaselineChatLevels)
            {
                results.Add(await RunTurnsAsync("chat", strategy, n, _plan.ViewersPerConversation, cancellationToken).ConfigureAwait(false));
            }

            foreach (var n in ours ? _plan.NewConversationLevels : [])
            {
                results.Add(await RunTurnsAsync(NewConversationWorkload, strategy, n, 1, cancellationToken).ConfigureAwait(false));
            }

            foreach (var viewers in ours ? _plan.FanOutLevels : _plan.BaselineFanOutLevels)
            {
                results.Add(await RunTurnsAsync("fan-out", strategy, 1, viewers, cancellationToken).ConfigureAwait(false));
            }

            if (ours && _plan.CancelConversations > 0)
            {
                results.Add(await RunTurnsAsync("cancel", strategy, _plan.CancelConversations, _plan.ViewersPerConversation, cancellationToken).ConfigureAwait(false));
            }

            if (ours && _plan.MemoryProbeConversations > 0)
            {
                results.Add(await RunTurnsAsync("memory", strategy, _plan.MemoryProbeConversations, 1, cancellationToken).ConfigureAwait(false));
            }

            await StopWorkerAsync().ConfigureAwait(false);
        }

        return results;
    }

    private async Task StartStackAsync(CancellationToken cancellationToken)
    {
        _progress($"starting the Local stack ({(_plan.InProcess ? "in this process" : "child process")})…");
        if (_plan.InProcess)
        {
            var service = await StackService.StartAsync(_plan.Pacing, _plan.ApiConcurrency, cancellationToken).ConfigureAwait(false);
            _stackPart = new InProcessPart(service, full => ProcessStats.Current(full));
            _stack = service.Info;
        }
        else
        {
            var child = await ChildPart.StartAsync("stack", ChildRole.PacingArgument(_plan.Pacing, _plan.ApiConcurrency), TimeSpan.FromMinutes(3), cancellationToken).ConfigureAwait(false);
            _stackPart = child;
            _stack = JsonSerializer.Deserialize(child.ReadyPayload, HostingJsonContext.Default.StackInfo) ?? throw new InvalidOperationException("The stack process sent no endpoints.");
        }

        StackStartMs = Stack.StartMs;
        _api = new ChatApiClient(_http, new Uri(Stack.GraphqlUrl), GraphQLAuth.ApiKey(Stack.GraphqlApiKey), TimeSpan.FromSeconds(90));
        _progress($"stack ready in {Stack.StartMs:0} ms (GraphQL {Stack.GraphqlUrl}, Events {Stack.EventsHttpUrl}, Bedrock {Stack.BedrockUrl})");
    }

    private async Task StartWorkerAsync(string strategy, CancellationToken cancellationToken)
    {
        var launch = new WorkerLaunch { Stack = Stack, Strategy = strategy, Instances = _plan.WorkerInstances, BatchSize = _plan.BatchSize };
        PartStats ready;
        if (_plan.InProcess)
        {
            var service = await WorkerService.StartAsync(launch, cancellationToken).ConfigureAwait(false);
            _workerPart = new InProcessPart(service, full => ChildRole.WorkerStats(service, full));
            ready = ChildRole.WorkerStats(service, false);
        }
        else
        {
            var json = JsonSerializer.Serialize(launch, HostingJsonContext.Default.WorkerLaunch);
            var child = await ChildPart.StartAsync("worker", json, TimeSpan.FromMinutes(2), cancellationToken).ConfigureAwait(false);
            _workerPart = child;
            ready = JsonSerializer.Deserialize(child.ReadyPayload, HostingJsonContext.Default.PartStats) ?? throw new InvalidOperationException("The Worker process sent no figures.");
        }

        WorkerStartups.Add(new WorkerStartup(strategy, ready.EntryToFirstPollMs ?? double.NaN, _plan.InProcess ? null : ready.ProcessStartToFirstPollMs, !_plan.InProcess));
        _progress($"worker '{strategy}' ready: entry → first poll {ready.EntryToFirstPollMs:0.0} ms, process start → first poll {ready.ProcessStartToFirstPollMs:0} ms ({_plan.WorkerInstances} instances, batch {_plan.BatchSize})");
    }

    private async Task StopWorkerAsync()
    {
        if (_workerPart is not null)
        {
            await _workerPart.DisposeAsync().ConfigureAwait(false);
            _workerPart = null;

            // Long polls the stopped Worker abandoned may still take messages in the SQS emulator until their wait ends.
            await Task.Delay(WorkerService.LongPollWait + TimeSpan.FromMilliseconds(500)).ConfigureAwait(false);
        }
    }

    /// <summary>Conversations are created once (a short first turn each) and reused by every level.</summary>
    private async Task CreateConversationsAsync(int count, CancellationToken cancellationToken)
    {
        _progress($"creating {count} conversations…");
        var ids = new string[count];
        await Parallel.ForEachAsync(Enumerable.Range(0, count), new ParallelOptions { MaxDegreeOfParallelism = 16, CancellationToken = cancellationToken }, async (i, ct) =>
        {
            var result = await Api.SendMessageAsync(
                new SendMessageInput { Text = $"Hello from the benchmark, conversation {i}. [[ttft=0]] [[rate=5000]] [[tokens=3]]", ClientRequestId = NewRequestId() },
                ct).ConfigureAwait(false);
            ids[i] = result.ConversationId;
            await WaitFinalAsync(result.ConversationId, result.AssistantMessageId, TimeSpan.FromSeconds(60), ct).ConfigureAwait(false);
        }).ConfigureAwait(false);
        _conversations.AddRange(ids);
    }

    /// <summary>
    /// A fresh Worker process compiles its code on first use (no ReadyToRun here): a few short answers first,
    /// so the first measured level is not a JIT measurement.
    /// </summary>
    private async Task WarmUpAsync(CancellationToken cancellationToken)
    {
        var count = Math.Min(10, _conversations.Count);
        await Parallel.ForEachAsync(_conversations.Take(count), new ParallelOptions { MaxDegreeOfParallelism = count, CancellationToken = cancellationToken }, async (conversationId, ct) =>
        {
            var result = await Api.SendMessageAsync(
                new SendMessageInput { ConversationId = conversationId, Text = "Warm-up turn of the benchmark. [[ttft=0]] [[rate=1000]] [[tokens=60]]", ClientRequestId = NewRequestId() },
                ct).ConfigureAwait(false);
            await WaitFinalAsync(result.ConversationId, result.AssistantMessageId, TimeSpan.FromSeconds(60), ct).ConfigureAwait(false);
        }).ConfigureAwait(false);
    }

    /// <summary>The Worker's CPU while it has nothing to do (its pollers keep polling): part of every per-token figure.</summary>
    private async Task MeasureIdleAsync(CancellationToken cancellationToken)
    {
        // Let the warm-up's last turns end and background tier-1 compilation settle first.
        await Task.Delay(TimeSpan.FromSeconds(_plan.InProcess ? 0.2 : 2), cancellationToken).ConfigureAwait(false);
        var before = await WorkerPart.StatsAsync(false, cancellationToken).ConfigureAwait(false);
        var clock = Stopwatch.StartNew();
        await Task.Delay(TimeSpan.FromSeconds(_plan.InProcess ? 0.5 : 3), cancellationToken).ConfigureAwait(false);
        var after = await WorkerPart.StatsAsync(false, cancellationToken).ConfigureAwait(false);
        var idle = Math.Round((after.CpuMs - before.CpuMs) / clock.Elapsed.TotalSeconds, 1);
        double? jit = JitDelta(before, after) is { } j ? Math.Round(j / clock.Elapsed.TotalSeconds, 1) : null;
        WorkerStartups[^1] = WorkerStartups[^1] with { IdleCpuMsPerSecond = idle, IdleJitCpuMsPerSecond = jit };
        _progress(FormattableString.Invariant($"worker idle: {idle} ms CPU per second, of which background JIT {jit} ms"));
    }

    private async Task<Message?> WaitFinalAsync(string conversationId, string messageId, TimeSpan timeout, CancellationToken cancellationToken)
    {
        var deadline = Stopwatch.StartNew();
        Message? message = null;
        while (deadline.Elapsed < timeout)
        {
            var conversation = await Api.GetConversationAsync(conversationId, 4, cancellationToken).ConfigureAwait(false);
            message = conversation?.Messages.FirstOrDefault(m => m.MessageId == messageId);
            if (message is not null && FinalStatuses.Contains(message.Status))
            {
                return message;
            }

            await Task.Delay(100, cancellationToken).ConfigureAwait(false);
        }

        return message;
    }

    private string NewRequestId() => $"bench-{_runTag}-{Interlocked.Increment(ref _turnCounter)}";

    private sealed class Turn(string? conversationId, string marker)
    {
        /// <summary>Null until a new-conversation turn has created its conversation.</summary>
        public string? ConversationId { get; set; } = conversationId;

        public string Marker { get; } = marker;

        public List<Viewer> Viewers { get; } = [];

        public DateTimeOffset SentAt { get; set; }

        public DateTimeOffset? AcceptedAt { get; set; }

        public DateTimeOffset? StopAt { get; set; }

        public DateTimeOffset? StopAcceptedAt { get; set; }

        public string? MessageId { get; set; }

        public string? Error { get; set; }
    }

    private async Task<WorkloadResult> RunTurnsAsync(string workload, string strategy, int conversations, int viewersPerConversation, CancellationToken cancellationToken)
    {
        _progress($"{strategy,-10} {workload,-7} {conversations,4} conversation(s) × {viewersPerConversation} viewer(s)…");
        // A new-conversation turn is a user's first message: the client library creates the conversation,
        // subscribes to it and only then sends (one viewer, the sender's own client).
        var newConversations = workload == NewConversationWorkload;
        var turns = Enumerable.Range(0, conversations)
            .Select(i => new Turn(newConversations ? null : _conversations[i], $"m{_runTag}x{Interlocked.Increment(ref _turnCounter)}"))
            .ToList();
        var notes = new List<string>();
        var eventsOptions = new EventsWebSocketOptions
        {
            HttpEndpoint = new Uri(Stack.EventsHttpUrl),
            RealtimeEndpoint = new Uri(Stack.EventsRealtimeUrl),
            Authorization = EventsAuthorization.ApiKey(Stack.EventsApiKey),
        };

        // 1. Viewers of existing conversations connect and subscribe before anything is sent.
        var slots = newConversations ? [] : turns.SelectMany(t => Enumerable.Range(0, viewersPerConversation).Select(_ => t)).ToList();
        await Parallel.ForEachAsync(slots, new ParallelOptions { MaxDegreeOfParallelism = 32, CancellationToken = cancellationToken }, async (turn, ct) =>
        {
            var viewer = await Viewer.SubscribeAsync(eventsOptions, turn.ConversationId!, ct).ConfigureAwait(false);
            lock (turn.Viewers)
            {
                turn.Viewers.Add(viewer);
            }
        }).ConfigureAwait(false);

        try
        {
            // 2. Counters before.
            var memory = workload == "memory";
            var eventsBefore = await EventsStatsAsync(cancellationToken).ConfigureAwait(false);
            var workerBefore = await WorkerPart.StatsAsync(memory, cancellationToken).ConfigureAwait(false);
            var stackBefore = await StackPartStatsAsync(cancellationToken).ConfigureAwait(false);
            var sidecarBefore = ProcessStats.CpuMsOf(Stack.SidecarProcessId) ?? 0;
            var selfBefore = ProcessStats.Current(false).CpuMs;
            var wall = Stopwatch.StartNew();

            // 3. Every conversation sends at once.
            var prompt = "explain how a streamed answer reaches every viewer of a conversation";
            var ramp = workload == "fan-out" ? TimeSpan.Zero : TimeSpan.FromTicks(Math.Min(_plan.MaxSendRamp.Ticks, _plan.SendRampPerConversation.Ticks * conversations));
            var rampStart = Stopwatch.StartNew();
            using var inFlight = new SemaphoreSlim(_plan.MaxSendsInFlight);
            var sends = turns.Select(async (turn, index) =>
            {
                try
                {
                    var due = TimeSpan.FromTicks(ramp.Ticks * index / Math.Max(1, conversations));
                    if (due > rampStart.Elapsed)
                    {
                        await Task.Delay(due - rampStart.Elapsed, cancellationToken).ConfigureAwait(false);
                    }

                    await inFlight.WaitAsync(cancellationToken).ConfigureAwait(false);
                    var message = new SendMessageInput
                    {
                        ConversationId = turn.ConversationId,
                        Text = $"Benchmark {turn.Marker}: {prompt}. {_plan.Pacing.Directives}",
                        ClientRequestId = NewRequestId(),
                    };
                    try
                    {
                        turn.SentAt = DateTimeOffset.UtcNow;
                        if (newConversations)
                        {
                            await StartConversationAsync(turn, eventsOptions, message).ConfigureAwait(false);
                        }
                        else
                        {
                            var result = await Api.SendMessageAsync(message, cancellationToken).ConfigureAwait(false);
                            turn.AcceptedAt = DateTimeOffset.UtcNow;
                            turn.MessageId = result.AssistantMessageId;
                            foreach (var viewer in turn.Viewers)
                            {
                                viewer.Follow(Api, turn.ConversationId!, result.AssistantMessageId);
                            }
                        }
                    }
                    finally
                    {
                        inFlight.Release();
                    }

                    if (workload == "cancel")
                    {
                        await CancelMidAnswerAsync(turn, cancellationToken).ConfigureAwait(false);
                    }
                }
                catch (Exception ex) when (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
                {
                    turn.Error = ex.GetType().Name + ": " + ex.Message;
                }
            }).ToList();

            // 4. The memory probe samples the Worker in the middle of the answers.
            PartStats? workerMiddle = null;
            var middleAt = DateTimeOffset.MinValue;
            if (memory)
            {
                var middle = _plan.Pacing.TimeToFirstToken + TimeSpan.FromSeconds(_plan.Pacing.AnswerTokens / _plan.Pacing.TokensPerSecond / 2);
                await Task.Delay(middle, cancellationToken).ConfigureAwait(false);
                middleAt = DateTimeOffset.UtcNow;
                workerMiddle = await WorkerPart.StatsAsync(true, cancellationToken).ConfigureAwait(false);
            }

            await Task.WhenAll(sends).ConfigureAwait(false);

            // 5. Wait for every viewer's terminal event (bounded).
            var answerTime = _plan.Pacing.TimeToFirstToken + TimeSpan.FromSeconds(_plan.Pacing.AnswerTokens / _plan.Pacing.TokensPerSecond);
            var waitAll = Task.WhenAll(turns.SelectMany(t => t.Viewers).Select(v => v.Terminal));
            var limit = answerTime + TimeSpan.FromSeconds(30 + (conversations * viewersPerConversation / 50.0));
            if (await Task.WhenAny(waitAll, Task.Delay(limit, cancellationToken)).ConfigureAwait(false) != waitAll)
            {
                notes.Add($"Not every viewer saw a terminal event within {limit.TotalSeconds:0} s.");
            }

            var duration = wall.Elapsed;
            var eventsAfter = await EventsStatsAsync(cancellationToken).ConfigureAwait(false);
            var workerAfter = await WorkerPart.StatsAsync(false, cancellationToken).ConfigureAwait(false);
            var stackAfter = await StackPartStatsAsync(cancellationToken).ConfigureAwait(false);
            var sidecarAfter = ProcessStats.CpuMsOf(Stack.SidecarProcessId) ?? 0;
            var selfAfter = ProcessStats.Current(false).CpuMs;

            // 6. Stored texts and the model's token times.
            var stored = new Dictionary<Turn, Message?>();
            await Parallel.ForEachAsync(turns.Where(t => t.MessageId is not null && t.ConversationId is not null), new ParallelOptions { MaxDegreeOfParallelism = 16, CancellationToken = cancellationToken }, async (turn, ct) =>
            {
                var message = await WaitFinalAsync(turn.ConversationId!, turn.MessageId!, TimeSpan.FromSeconds(20), ct).ConfigureAwait(false);
                lock (stored)
                {
                    stored[turn] = message;
                }
            }).ConfigureAwait(false);
            var models = await ModelTurn.FetchByMarkerAsync(_http, Stack.BedrockUrl, turns.Select(t => t.Marker), cancellationToken).ConfigureAwait(false);

            // 7. Analysis.
            var added = new List<double>();
            var lag = new List<double>();
            var overhead = new List<double>();
            var sendMs = new List<double>();
            var acceptedToModel = new List<double>();
            var acceptedToStarted = new List<double>();
            var modelTtft = new List<double>();
            var cancelLast = new List<double>();
            var cancelTerminal = new List<double>();
            var stopCall = new List<double>();
            var stopAcceptedToLast = new List<double>();
            var gapsAll = new List<double>();
            var maxGaps = new List<double>();
            var livenessViolations = 0;
            var bound = StreamLiveness.DefaultBound.TotalMilliseconds;
            long events = 0, textEvents = 0, modelTokens = 0;
            int viewersChecked = 0, mismatches = 0, noTerminal = 0, gaps = 0, storedVsModel = 0, notFinal = 0;
            foreach (var turn in turns)
            {
                if (turn.Error is not null)
                {
                    notes.Add($"{turn.ConversationId}: {turn.Error}");
                }

                stored.TryGetValue(turn, out var message);
                models.TryGetValue(turn.Marker, out var model);
                if (message is null || !FinalStatuses.Contains(message.Status))
                {
                    notFinal++;
                }

                if (turn.AcceptedAt is { } accepted)
                {
                    sendMs.Add((accepted - turn.SentAt).TotalMilliseconds);
                    if (model is not null)
                    {
                        acceptedToModel.Add((model.ReceivedAt - accepted).TotalMilliseconds);
                    }
                }

                if (model is not null)
                {
                    if (model.FirstTokenAt is { } ft)
                    {
                        modelTtft.Add((ft - model.ReceivedAt).TotalMilliseconds);
                    }

                    modelTokens += model.Tokens;
                    if (message is { Status: MessageStatus.Completed } && message.Text != model.Text)
                    {
                        storedVsModel++;
                    }
                }

                foreach (var viewer in turn.Viewers)
                {
                    viewersChecked++;
                    if (turn.MessageId is null)
                    {
                        mismatches++;
                        continue;
                    }

                    var trace = ViewerTrace.Parse(viewer.Events(), viewer.Updates(), turn.MessageId);
                    if (turn.AcceptedAt is { } acceptedAt && trace.TurnStartedAt is { } startedAt)
                    {
                        acceptedToStarted.Add((startedAt - acceptedAt).TotalMilliseconds);
                    }

                    events += trace.Events;
                    textEvents += trace.TextEvents;
                    var bad = false;
                    if (trace.TerminalAt is null)
                    {
                        noTerminal++;
                        bad = true;
                    }

                    if (trace.Resyncs > 0)
                    {
                        gaps++; // the catch-up repaired a lost or late event from the snapshot: not wrong, but counted
                    }

                    if (message is null || trace.Text != message.Text)
                    {
                        bad = true;
                    }

                    if (bad)
                    {
                        mismatches++;
                    }

                    if (model is not null && trace.FirstTextAt is { } firstText && model.FirstTokenAt is { } firstToken)
                    {
                        added.Add((firstText - firstToken).TotalMilliseconds);
                        overhead.Add((firstText - turn.SentAt).TotalMilliseconds - (firstToken - model.ReceivedAt).TotalMilliseconds);
                    }

                    if (model is not null && StreamLiveness.GapsMs(trace.Pieces, model) is { Count: > 0 } answerGaps)
                    {
                        gapsAll.AddRange(answerGaps);
                        var longest = answerGaps.Max();
                        maxGaps.Add(longest);
                        if (longest > bound && strategy == "coalesced")
                        {
                            livenessViolations++;
                            if (notes.Count < 10)
                            {
                                notes.Add(FormattableString.Invariant($"{turn.ConversationId}: the live text paused {longest:0} ms at a viewer while the model kept streaming (bound {bound:0} ms)."));
                            }
                        }
                    }

                    if (model is not null)
                    {
                        foreach (var (at, offset, text) in trace.Pieces)
                        {
                            for (var c = 0; c < text.Length; c++)
                            {
                                if (model.EmittedAtChar(offset + c) is { } emitted)
                                {
                                    lag.Add((at - emitted).TotalMilliseconds);
                                }
                            }
                        }
                    }

                    if (turn.StopAt is { } stopAt)
                    {
                        if (turn.StopAcceptedAt is { } stopAccepted)
                        {
                            stopCall.Add((stopAccepted - stopAt).TotalMilliseconds);
                            stopAcceptedToLast.Add(trace.LastTextAt is { } lastText ? Math.Max(0, (lastText - stopAccepted).TotalMilliseconds) : 0);
                        }

                        cancelLast.Add(trace.LastTextAt is { } last ? Math.Max(0, (last - stopAt).TotalMilliseconds) : 0);
                        if (trace.TerminalAt is { } terminal)
                        {
                            cancelTerminal.Add((terminal - stopAt).TotalMilliseconds);
                        }
                    }
                }
            }

            var answers = Math.Max(1, turns.Count(t => t.MessageId is not null));

            // Memory is per answer being generated when the Worker was sampled (the Api path limits how many run at once).
            var activeAtMiddle = models.Values.Count(m => m.ReceivedAt <= middleAt && (m.TokenEmittedAt.Length == 0 || m.TokenEmittedAt[^1] >= middleAt));
            var peak = 0;
            var running = 0;
            foreach (var (_, delta) in models.Values
                .Where(m => m.TokenEmittedAt.Length > 0)
                .SelectMany(m => new[] { (m.ReceivedAt, 1), (m.TokenEmittedAt[^1], -1) })
                .OrderBy(e => e.Item1).ThenBy(e => e.Item2))
            {
                running += delta;
                peak = Math.Max(peak, running);
            }

            var inbound = eventsAfter.InboundEvents - eventsBefore.InboundEvents;
            var outbound = eventsAfter.OutboundMessages - eventsBefore.OutboundMessages;
            var workerCpu = workerAfter.CpuMs - workerBefore.CpuMs;
            var result = new WorkloadResult
            {
                Workload = workload,
                Strategy = strategy,
                Conversations = conversations,
                ViewersPerConversation = viewersPerConversation,
                DurationMs = Math.Round(duration.TotalMilliseconds),
                SendRampMs = Math.Round(ramp.TotalMilliseconds),
                AddedFirstTokenMs = Distribution.Of(added),
                CharLagMs = Distribution.Of(lag),
                RequestToFirstTextOverheadMs = Distribution.Of(overhead),
                SendMessageMs = Distribution.Of(sendMs),
                AcceptedToModelRequestMs = Distribution.Of(acceptedToModel),
                AcceptedToTurnStartedMs = Distribution.Of(acceptedToStarted),
                ModelTimeToFirstTokenMs = Distribution.Of(modelTtft),
                CancelToLastTextMs = Distribution.Of(cancelLast),
                CancelToTerminalMs = Distribution.Of(cancelTerminal),
                StopGenerationCallMs = Distribution.Of(stopCall),
                StopAcceptedToLastTextMs = Distribution.Of(stopAcceptedToLast),
                EventsPerAnswerAtViewer = Math.Round((double)events / Math.Max(1, viewersChecked), 2),
                TextEventsPerAnswerAtViewer = Math.Round((double)textEvents / Math.Max(1, viewersChecked), 2),
                PublishRequestsPerAnswer = Math.Round((double)(eventsAfter.PublishRequests - eventsBefore.PublishRequests) / answers, 2),
                InboundEventsPerAnswer = Math.Round((double)inbound / answers, 2),
                OutboundMessagesPerAnswer = Math.Round((double)outbound / answers, 2),
                OperationsPerAnswer = Math.Round((double)(inbound + outbound) / answers, 2),
                ModelTokens = modelTokens,
                PeakConcurrentAnswers = peak,
                WorkerCpuMs = Math.Round(workerCpu),
                WorkerCpuMsPer1000Tokens = modelTokens == 0 ? 0 : Math.Round(workerCpu / (modelTokens / 1000.0), 1),
                // The tier-1 compiler thread can exit (its CPU then leaves /proc): a negative delta is unknown.
                WorkerTieredJitCpuMs = JitDelta(workerBefore, workerAfter),
                WorkerCpuMsPer1000TokensExcludingJit = modelTokens == 0 || JitDelta(workerBefore, workerAfter) is not { } jitDelta ? null
                    : Math.Round((workerCpu - jitDelta) / (modelTokens / 1000.0), 1),
                WorkerCpuMsPer1000TokensNetOfIdle = modelTokens == 0 || WorkerStartups[^1].IdleCpuMsPerSecond is not { } idleRate ? null
                    : Math.Round(Math.Max(0, workerCpu - (idleRate * duration.TotalSeconds)) / (modelTokens / 1000.0), 1),
                WorkerSeparate = WorkerPart.Separate,
                StackCpuMs = Math.Round(stackAfter.CpuMs - stackBefore.CpuMs),
                SidecarCpuMs = Math.Round(sidecarAfter - sidecarBefore),
                LoadGeneratorCpuMs = Math.Round(selfAfter - selfBefore),
                WallCpuCapacityMs = Math.Round(duration.TotalMilliseconds * Environment.ProcessorCount),
                ActiveAnswersAtMemorySample = workerMiddle is null ? null : activeAtMiddle,
                WorkerManagedBytesPerConversation = workerMiddle is null ? null : Math.Round((double)(workerMiddle.ManagedBytes - workerBefore.ManagedBytes) / Math.Max(1, activeAtMiddle)),
                WorkerWorkingSetBytesPerConversation = workerMiddle is null ? null : Math.Round((double)(workerMiddle.WorkingSetBytes - workerBefore.WorkingSetBytes) / Math.Max(1, activeAtMiddle)),
                InterDeltaGapMs = Distribution.Of(gapsAll),
                MaxGapPerAnswerMs = Distribution.Of(maxGaps),
                LivenessViolations = livenessViolations,
                LivenessBoundMs = bound,
                ViewersChecked = viewersChecked,
                Mismatches = mismatches,
                ViewersWithoutTerminal = noTerminal,
                ViewersWithGap = gaps,
                StoredVsModelMismatches = storedVsModel,
                TurnsNotFinal = notFinal,
                SlowConnectionsClosed = eventsAfter.SlowConnectionsClosed - eventsBefore.SlowConnectionsClosed,
                Notes = notes.Take(10).ToList(),
            };
            if (models.Count < turns.Count)
            {
                result.Notes.Add($"Model timings found for {models.Count} of {turns.Count} turns.");
            }

            _progress(FormattableString.Invariant(
                $"   first token +{result.AddedFirstTokenMs.P50:0.0}/{result.AddedFirstTokenMs.P99:0.0} ms, lag p50/p99 {result.CharLagMs.P50:0.0}/{result.CharLagMs.P99:0.0} ms, longest gap per answer p50/p99/max {result.MaxGapPerAnswerMs.P50:0}/{result.MaxGapPerAnswerMs.P99:0}/{result.MaxGapPerAnswerMs.Max:0} ms ({result.LivenessViolations} over {bound:0} ms), overhead p50 {result.RequestToFirstTextOverheadMs.P50:0.0} ms (send {result.SendMessageMs.P50:0}, accepted→turn.started {result.AcceptedToTurnStartedMs.P50:0}, accepted→model {result.AcceptedToModelRequestMs.P50:0}), {result.InboundEventsPerAnswer:0.#} events/answer, peak {peak} answers at once, worker {result.WorkerCpuMsPer1000Tokens:0.#} ms CPU/1k tokens ({result.WorkerCpuMsPer1000TokensExcludingJit:0.#} without background JIT), mismatches {result.Mismatches}"));
            return result;
        }
        finally
        {
            await Parallel.ForEachAsync(turns.SelectMany(t => t.Viewers), new ParallelOptions { MaxDegreeOfParallelism = 64 }, async (viewer, _) => await viewer.DisposeAsync().ConfigureAwait(false)).ConfigureAwait(false);
        }
    }

    /// <summary>
    /// The user's client starts the conversation (create, subscribe, send, follow) as <see cref="Client.ChatClient"/>
    /// does; returns once the message was accepted (or the start failed).
    /// </summary>
    private async Task StartConversationAsync(Turn turn, EventsWebSocketOptions events, SendMessageInput message)
    {
        var accepted = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var viewer = Viewer.StartConversation(Api, events, message, update =>
        {
            switch (update)
            {
                case ConversationStarted started:
                    turn.ConversationId = started.Conversation.ConversationId;
                    break;
                case MessageAccepted sent:
                    turn.AcceptedAt = DateTimeOffset.UtcNow;
                    turn.MessageId = sent.Result.AssistantMessageId;
                    accepted.TrySetResult();
                    break;
            }
        });
        lock (turn.Viewers)
        {
            turn.Viewers.Add(viewer);
        }

        await Task.WhenAny(accepted.Task, viewer.Terminal).ConfigureAwait(false);
        if (!accepted.Task.IsCompleted)
        {
            await viewer.Terminal.ConfigureAwait(false); // throws the start's error
            throw new InvalidOperationException("The conversation finished before its message was accepted.");
        }
    }

    private static double? JitDelta(PartStats before, PartStats after) =>
        after.TieredJitCpuMs is { } a && before.TieredJitCpuMs is { } b && a >= b ? a - b : null;

    /// <summary>Waits for the first text at the turn's first viewer, then stops the answer.</summary>
    private async Task CancelMidAnswerAsync(Turn turn, CancellationToken cancellationToken)
    {
        var viewer = turn.Viewers[0];
        var deadline = Stopwatch.StartNew();
        while (!viewer.Events().Any(e => e.Json.Contains("\"text.delta\"", StringComparison.Ordinal)) && deadline.Elapsed < TimeSpan.FromSeconds(30))
        {
            await Task.Delay(5, cancellationToken).ConfigureAwait(false);
        }

        await Task.Delay(_plan.CancelAfterFirstText, cancellationToken).ConfigureAwait(false);
        turn.StopAt = DateTimeOffset.UtcNow;
        await Api.StopGenerationAsync(new StopGenerationInput { ConversationId = turn.ConversationId!, MessageId = turn.MessageId! }, cancellationToken).ConfigureAwait(false);
        turn.StopAcceptedAt = DateTimeOffset.UtcNow;
    }

    private Task<PartStats> StackPartStatsAsync(CancellationToken cancellationToken) =>
        _stackPart is { } part ? part.StatsAsync(false, cancellationToken) : Task.FromResult(new PartStats());

    private sealed record EventsCounters(long PublishRequests, long InboundEvents, long OutboundMessages, long SlowConnectionsClosed);

    private async Task<EventsCounters> EventsStatsAsync(CancellationToken cancellationToken)
    {
        var url = new Uri(new Uri(Stack.EventsHttpUrl), "/_emulator/stats");
        using var document = JsonDocument.Parse(await _http.GetStringAsync(url, cancellationToken).ConfigureAwait(false));
        var root = document.RootElement;
        return new EventsCounters(
            root.GetProperty("publishRequests").GetInt64(),
            root.GetProperty("inboundEvents").GetInt64(),
            root.GetProperty("outboundMessages").GetInt64(),
            root.TryGetProperty("slowConnectionsClosed", out var slow) ? slow.GetInt64() : 0);
    }

    public async ValueTask DisposeAsync()
    {
        await StopWorkerAsync().ConfigureAwait(false);
        if (_stackPart is not null)
        {
            await _stackPart.DisposeAsync().ConfigureAwait(false);
        }

        _http.Dispose();
    }
}
