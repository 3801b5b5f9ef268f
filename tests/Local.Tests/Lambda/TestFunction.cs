using System.Text;
using System.Text.Json;
using AppSyncChat.Aws.Lambda;

namespace AppSyncChat.Local.Tests.Lambda;

/// <summary>
/// A function defined by the test (no chat logic): its entry point has the same shape as ApiFunction.RunAsync —
/// build a "composition root" from the settings lookup once, then run the Runtime API loop.
/// </summary>
internal sealed class TestFunction(Func<Func<string, string?>, LambdaHandler> compose)
{
    private int _initialisations;

    public int Initialisations => Volatile.Read(ref _initialisations);

    public Task RunAsync(Func<string, string?> settings, CancellationToken cancellationToken) =>
        LambdaRuntimeLoop.RunAsync(settings, _ =>
        {
            Interlocked.Increment(ref _initialisations);
            return Task.FromResult(compose(settings));
        }, cancellationToken);

    public static ReadOnlyMemory<byte> Json(string json) => Encoding.UTF8.GetBytes(json);

    public static SqsEvent ParseSqsEvent(LambdaInvocation invocation) =>
        JsonSerializer.Deserialize(invocation.Payload.Span, LambdaEventsJsonContext.Default.SqsEvent)!;

    public static ReadOnlyMemory<byte> BatchResponse(params string[] failedIds) =>
        JsonSerializer.SerializeToUtf8Bytes(new SqsBatchResponse([.. failedIds.Select(id => new SqsBatchItemFailure(id))]), LambdaEventsJsonContext.Default.SqsBatchResponse);
}
