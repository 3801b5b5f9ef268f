namespace AppSyncChat.Api.Resolver;

/// <summary>Per-request facts every operation may need: who calls, and the ids that correlate logs and traces.</summary>
public sealed record RequestContext(string OwnerId, string AwsRequestId, string? TraceParentHeader, string? XRayTraceId);
