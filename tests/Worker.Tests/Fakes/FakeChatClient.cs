using System.Runtime.CompilerServices;
using Microsoft.Extensions.AI;

namespace AppSyncChat.Worker.Tests.Fakes;

/// <summary>One step of a scripted model response.</summary>
public abstract record ModelStep
{
    public static ModelStep Text(string text) => new TextStep(text);

    public static ModelStep Call(string callId, string name, Dictionary<string, object?> arguments) => new CallStep(callId, name, arguments);

    public static ModelStep Usage(int input, int output) => new UsageStep(input, output);

    public static ModelStep Finish(ChatFinishReason reason) => new FinishStep(reason);

    public static ModelStep Throw(Exception exception) => new ThrowStep(exception);

    /// <summary>Waits (honouring cancellation) until the gate opens; a never-opened gate is a hung model.</summary>
    public static ModelStep Wait(TaskCompletionSource gate) => new WaitStep(gate);

    public static ModelStep Hang() => new WaitStep(new TaskCompletionSource());
}

public sealed record TextStep(string Value) : ModelStep;

public sealed record CallStep(string CallId, string Name, Dictionary<string, object?> Arguments) : ModelStep;

public sealed record UsageStep(int Input, int Output) : ModelStep;

public sealed record FinishStep(ChatFinishReason Reason) : ModelStep;

public sealed record ThrowStep(Exception Exception) : ModelStep;

public sealed record WaitStep(TaskCompletionSource Gate) : ModelStep;

/// <summary>An <see cref="IChatClient"/> that plays one script per call and records what it was asked.</summary>
public sealed class FakeChatClient(params IReadOnlyList<ModelStep>[] scripts) : IChatClient
{
    private readonly Lock _gate = new();
    private int _calls;

    public List<(List<ChatMessage> Messages, ChatOptions? Options)> Requests { get; } = [];

    public int Calls => Volatile.Read(ref _calls);

    /// <summary>Set when a call observed its cancellation token (the model stream was stopped).</summary>
    public bool SawCancellation { get; private set; }

    public Task<ChatResponse> GetResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default) =>
        throw new NotSupportedException("The worker streams.");

    public IAsyncEnumerable<ChatResponseUpdate> GetStreamingResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default)
    {
        int call;
        lock (_gate)
        {
            call = _calls;
            Requests.Add(([.. messages], options));
            Interlocked.Increment(ref _calls);
        }

        var script = call < scripts.Length ? scripts[call] : throw new InvalidOperationException($"No script for model call {call + 1}.");
        return PlayAsync(script, cancellationToken);
    }

    private async IAsyncEnumerable<ChatResponseUpdate> PlayAsync(IReadOnlyList<ModelStep> script, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        await Task.Yield();
        foreach (var step in script)
        {
            if (cancellationToken.IsCancellationRequested)
            {
                SawCancellation = true;
                cancellationToken.ThrowIfCancellationRequested();
            }

            switch (step)
            {
                case TextStep text:
                    yield return new ChatResponseUpdate(ChatRole.Assistant, text.Value);
                    break;
                case CallStep call:
                    yield return new ChatResponseUpdate(ChatRole.Assistant, [new FunctionCallContent(call.CallId, call.Name, call.Arguments)]);
                    break;
                case UsageStep usage:
                    yield return new ChatResponseUpdate(ChatRole.Assistant, [new UsageContent(new UsageDetails { InputTokenCount = usage.Input, OutputTokenCount = usage.Output, TotalTokenCount = usage.Input + usage.Output })]);
                    break;
                case FinishStep finish:
                    yield return new ChatResponseUpdate { Role = ChatRole.Assistant, FinishReason = finish.Reason };
                    break;
                case ThrowStep thrown:
                    throw thrown.Exception;
                case WaitStep wait:
                    try
                    {
                        await wait.Gate.Task.WaitAsync(cancellationToken);
                    }
                    catch (OperationCanceledException)
                    {
                        SawCancellation = true;
                        throw;
                    }

                    break;
                default:
                    throw new InvalidOperationException("Unknown step.");
            }
        }
    }

    public object? GetService(Type serviceType, object? serviceKey = null) => null;

    public void Dispose()
    {
    }
}
