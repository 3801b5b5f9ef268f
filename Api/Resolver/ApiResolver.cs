using System.Text.Json;
using AppSyncChat.Api.Creation;
using AppSyncChat.Api.Errors;
using AppSyncChat.Api.Json;
using AppSyncChat.Api.Queries;
using AppSyncChat.Api.Turns;
using AppSyncChat.Api.Validation;
using AppSyncChat.Aws.Lambda;
using Microsoft.Extensions.Logging;

namespace AppSyncChat.Api.Resolver;

/// <summary>
/// The direct Lambda resolver: one AppSync resolver event in (or a BatchInvoke array), the field's value
/// out. Dispatches on <c>info.fieldName</c>; the caller's owner id comes from <c>identity</c>. Errors are
/// <see cref="ApiException"/>s whose class name is the GraphQL <c>errorType</c>; anything else is logged
/// and reported as <see cref="InternalError"/> so no internal detail reaches the caller.
/// Holds no per-request state: one instance serves every invocation.
/// </summary>
public sealed partial class ApiResolver(TurnStarter turns, TurnStopper stopper, ConversationQueries queries, ConversationCreator creator, ILogger<ApiResolver> logger)
{
    public const string Query = "Query";
    public const string Mutation = "Mutation";

    /// <summary>The <see cref="LambdaHandler"/>.</summary>
    public async Task<ReadOnlyMemory<byte>> HandleAsync(LambdaInvocation invocation, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(invocation);
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(invocation.Payload);
        }
        catch (JsonException)
        {
            throw ApiErrors.Validation("The invocation payload is not JSON.");
        }

        using (document)
        {
            if (document.RootElement.ValueKind == JsonValueKind.Array)
            {
                return await HandleBatchAsync(document.RootElement, invocation, cancellationToken).ConfigureAwait(false);
            }

            return await ResolveAsync(document.RootElement, invocation, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>
    /// BatchInvoke (a resolver with maxBatchSize): an array of events in, an array of
    /// <c>{data, errorType, errorMessage}</c> out, same length and order (per-item shape UNCONFIRMED, docs/aws-protocols.md §7.1).
    /// </summary>
    private async Task<ReadOnlyMemory<byte>> HandleBatchAsync(JsonElement events, LambdaInvocation invocation, CancellationToken cancellationToken)
    {
        var results = new List<BatchItemResult>();
        foreach (var item in events.EnumerateArray())
        {
            try
            {
                using var value = JsonDocument.Parse(await ResolveAsync(item, invocation, cancellationToken).ConfigureAwait(false));
                results.Add(new BatchItemResult { Data = value.RootElement.Clone() });
            }
            catch (ApiException ex)
            {
                results.Add(new BatchItemResult { ErrorType = ex.ErrorType, ErrorMessage = ex.Message });
            }
        }

        return JsonSerializer.SerializeToUtf8Bytes(results, ApiJsonContext.Default.ListBatchItemResult);
    }

    /// <summary>Resolves one event to its JSON value (UTF-8); throws only <see cref="ApiException"/> (or cancellation at the deadline).</summary>
    public async Task<byte[]> ResolveAsync(JsonElement root, LambdaInvocation invocation, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(invocation);
        ResolverEvent resolverEvent;
        RequestContext context;
        try
        {
            resolverEvent = ResolverEvent.From(root);
            context = new RequestContext(
                Owners.FromIdentity(resolverEvent.Identity),
                invocation.RequestId,
                resolverEvent.Headers.GetValueOrDefault("traceparent"),
                invocation.TraceId);
        }
        catch (ApiException ex)
        {
            LogRejected(logger, "-", ex.ErrorType, ex.Message);
            throw;
        }

        using var scope = logger.BeginScope(new LogScope(new("field", resolverEvent.FieldName), new("owner", context.OwnerId)));
        try
        {
            var bytes = await DispatchAsync(resolverEvent, context, cancellationToken).ConfigureAwait(false);
            LogResolved(logger, resolverEvent.FieldName);
            return bytes;
        }
        catch (ApiException ex)
        {
            LogRejected(logger, resolverEvent.FieldName, ex.ErrorType, ex.Message);
            throw;
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            throw; // The runtime loop reports the deadline.
        }
        catch (Exception ex)
        {
            LogFailed(logger, resolverEvent.FieldName, ex);
            throw ApiErrors.Internal(invocation.RequestId, ex);
        }
    }

    private async Task<byte[]> DispatchAsync(ResolverEvent e, RequestContext context, CancellationToken cancellationToken) => (e.ParentTypeName, e.FieldName) switch
    {
        (Mutation or "", "sendMessage") => JsonSerializer.SerializeToUtf8Bytes(
            await turns.SendMessageAsync(Inputs.SendMessage(e.Arguments), context, cancellationToken).ConfigureAwait(false),
            ApiJsonContext.Default.SendMessageResult),
        (Mutation or "", "regenerate") => JsonSerializer.SerializeToUtf8Bytes(
            await turns.RegenerateAsync(Inputs.Regenerate(e.Arguments), context, cancellationToken).ConfigureAwait(false),
            ApiJsonContext.Default.SendMessageResult),
        (Mutation or "", "createConversation") => JsonSerializer.SerializeToUtf8Bytes(
            await creator.CreateAsync(Inputs.CreateConversation(e.Arguments), context, cancellationToken).ConfigureAwait(false),
            ApiJsonContext.Default.ConversationResult),
        (Mutation or "", "stopGeneration") => JsonSerializer.SerializeToUtf8Bytes(
            await stopper.StopAsync(Inputs.StopGeneration(e.Arguments), context, cancellationToken).ConfigureAwait(false),
            ApiJsonContext.Default.StopGenerationResult),
        (Query or "", "getConversation") => JsonSerializer.SerializeToUtf8Bytes(
            await queries.GetConversationAsync(Inputs.GetConversation(e.Arguments), context, cancellationToken).ConfigureAwait(false),
            ApiJsonContext.Default.ConversationResult),
        (Query or "", "listConversations") => JsonSerializer.SerializeToUtf8Bytes(
            await queries.ListConversationsAsync(Inputs.ListConversations(e.Arguments), context, cancellationToken).ConfigureAwait(false),
            ApiJsonContext.Default.ConversationPageResult),
        _ => throw ApiErrors.UnknownField(e.ParentTypeName, e.FieldName),
    };

    [LoggerMessage(Level = LogLevel.Information, Message = "Resolved {Field}")]
    private static partial void LogResolved(ILogger logger, string field);

    [LoggerMessage(Level = LogLevel.Information, Message = "Rejected {Field}: {ErrorType}: {ErrorMessage}")]
    private static partial void LogRejected(ILogger logger, string field, string errorType, string errorMessage);

    [LoggerMessage(Level = LogLevel.Error, Message = "Resolving {Field} failed")]
    private static partial void LogFailed(ILogger logger, string field, Exception exception);
}
