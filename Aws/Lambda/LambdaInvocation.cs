namespace AppSyncChat.Aws.Lambda;

/// <summary>One invocation as the Lambda Runtime API hands it out (<c>GET /runtime/invocation/next</c>).</summary>
public sealed record LambdaInvocation(
    string RequestId,
    DateTimeOffset Deadline,
    string? InvokedFunctionArn,
    string? TraceId,
    ReadOnlyMemory<byte> Payload);

/// <summary>
/// A function handler: the invocation payload in, the response payload (JSON bytes) out. Throwing
/// reports an invocation error. The token is cancelled at the invocation's deadline.
/// </summary>
public delegate Task<ReadOnlyMemory<byte>> LambdaHandler(LambdaInvocation invocation, CancellationToken cancellationToken);
