using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using AppSyncChat.Client.Errors;
using AppSyncChat.Contracts.Channels;

namespace AppSyncChat.Client.GraphQL;

/// <summary>
/// GraphQL over HTTP (POST, JSON) to AppSync or the Local stack, one typed method per root field.
/// Errors: a response with <c>errors</c> throws <see cref="GraphQLRequestException"/> (AppSync's <c>errorType</c>,
/// <c>message</c>, <c>path</c>); other non-2xx answers throw <see cref="ChatHttpException"/>; an unreachable
/// endpoint or a timeout throws <see cref="ChatConnectionException"/>. Cancellation by the caller's token is
/// never turned into an error.
/// </summary>
public sealed class ChatApiClient : IChatApi
{
    private readonly HttpClient _http;
    private readonly Uri _endpoint;
    private readonly GraphQLAuth _auth;
    private readonly TimeSpan _requestTimeout;
    private readonly TimeProvider _time;

    /// <param name="http">Shared, long-lived client. For IAM, one from <c>SignedHttpClientFactory</c> with <see cref="GraphQLAuth.None"/>.</param>
    /// <param name="endpoint">The GraphQL URL, e.g. <c>https://&lt;id&gt;.appsync-api.&lt;region&gt;.amazonaws.com/graphql</c>.</param>
    /// <param name="requestTimeout">Per request; default 30 s.</param>
    public ChatApiClient(HttpClient http, Uri endpoint, GraphQLAuth auth, TimeSpan? requestTimeout = null, TimeProvider? timeProvider = null)
    {
        ArgumentNullException.ThrowIfNull(http);
        ArgumentNullException.ThrowIfNull(endpoint);
        ArgumentNullException.ThrowIfNull(auth);
        if (!endpoint.IsAbsoluteUri || (endpoint.Scheme != Uri.UriSchemeHttp && endpoint.Scheme != Uri.UriSchemeHttps))
        {
            throw new ArgumentException($"The GraphQL endpoint must be an absolute http(s) URL, not '{endpoint}'.", nameof(endpoint));
        }

        _http = http;
        _endpoint = endpoint;
        _auth = auth;
        _requestTimeout = requestTimeout ?? TimeSpan.FromSeconds(30);
        _time = timeProvider ?? TimeProvider.System;
    }

    public Uri Endpoint => _endpoint;

    public Task<SendMessageResult> SendMessageAsync(SendMessageInput input, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(input);
        if (input.ConversationId is not null)
        {
            RequireId(input.ConversationId, "conversationId");
        }

        RequireId(input.ClientRequestId, "clientRequestId");
        return ExecuteRequiredAsync(
            GraphQLOperations.SendMessage, GraphQLOperations.SendMessageField,
            new InputVariables<SendMessageInput>(input), ClientJsonContext.Default.InputVariablesSendMessageInput,
            ClientJsonContext.Default.SendMessageResult, cancellationToken);
    }

    public Task<Conversation> CreateConversationAsync(CreateConversationInput input, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(input);
        RequireId(input.ClientRequestId, "clientRequestId");
        return ExecuteRequiredAsync(
            GraphQLOperations.CreateConversation, GraphQLOperations.CreateConversationField,
            new InputVariables<CreateConversationInput>(input), ClientJsonContext.Default.InputVariablesCreateConversationInput,
            ClientJsonContext.Default.Conversation, cancellationToken);
    }

    public Task<SendMessageResult> RegenerateAsync(RegenerateInput input, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(input);
        RequireId(input.ConversationId, "conversationId");
        RequireId(input.ClientRequestId, "clientRequestId");
        return ExecuteRequiredAsync(
            GraphQLOperations.Regenerate, GraphQLOperations.RegenerateField,
            new InputVariables<RegenerateInput>(input), ClientJsonContext.Default.InputVariablesRegenerateInput,
            ClientJsonContext.Default.SendMessageResult, cancellationToken);
    }

    public Task<StopGenerationResult> StopGenerationAsync(StopGenerationInput input, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(input);
        RequireId(input.ConversationId, "conversationId");
        RequireId(input.MessageId, "messageId");
        return ExecuteRequiredAsync(
            GraphQLOperations.StopGeneration, GraphQLOperations.StopGenerationField,
            new InputVariables<StopGenerationInput>(input), ClientJsonContext.Default.InputVariablesStopGenerationInput,
            ClientJsonContext.Default.StopGenerationResult, cancellationToken);
    }

    public Task<Conversation?> GetConversationAsync(string conversationId, int? messageLimit, CancellationToken cancellationToken)
    {
        RequireId(conversationId, "conversationId");
        if (messageLimit is < 1)
        {
            throw new ArgumentOutOfRangeException(nameof(messageLimit), messageLimit, "messageLimit must be at least 1 (or null for every message).");
        }

        return ExecuteAsync(
            GraphQLOperations.GetConversation, GraphQLOperations.GetConversationField,
            new GetConversationVariables(conversationId, messageLimit), ClientJsonContext.Default.GetConversationVariables,
            ClientJsonContext.Default.Conversation, cancellationToken);
    }

    public Task<ConversationPage> ListConversationsAsync(int? limit, string? nextToken, CancellationToken cancellationToken)
    {
        if (limit is < 1)
        {
            throw new ArgumentOutOfRangeException(nameof(limit), limit, "limit must be at least 1.");
        }

        return ExecuteRequiredAsync(
            GraphQLOperations.ListConversations, GraphQLOperations.ListConversationsField,
            new ListConversationsVariables(limit, nextToken), ClientJsonContext.Default.ListConversationsVariables,
            ClientJsonContext.Default.ConversationPage, cancellationToken);
    }

    private async Task<TResult> ExecuteRequiredAsync<TVariables, TResult>(
        string query, string field, TVariables variables, JsonTypeInfo<TVariables> variablesType, JsonTypeInfo<TResult> resultType, CancellationToken cancellationToken)
        where TResult : class
    {
        var result = await ExecuteAsync(query, field, variables, variablesType, resultType, cancellationToken).ConfigureAwait(false);
        return result ?? throw ChatClientErrors.BadResponse($"'{field}' is null although the schema declares it non-null", HttpStatusCode.OK, null);
    }

    private async Task<TResult?> ExecuteAsync<TVariables, TResult>(
        string query, string field, TVariables variables, JsonTypeInfo<TVariables> variablesType, JsonTypeInfo<TResult> resultType, CancellationToken cancellationToken)
        where TResult : class
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, _endpoint)
        {
            Content = new ByteArrayContent(WriteBody(query, variables, variablesType)),
        };
        request.Content.Headers.ContentType = new MediaTypeHeaderValue(GraphQLWire.JsonMediaType);
        request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue(GraphQLWire.JsonMediaType));
        _auth.Apply(request);

        using var timeout = new CancellationTokenSource(_requestTimeout, _time);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, timeout.Token);
        HttpResponseMessage response;
        try
        {
            response = await _http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, linked.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException ex) when (!cancellationToken.IsCancellationRequested)
        {
            throw ChatClientErrors.TimedOut(_endpoint, _requestTimeout, ex);
        }
        catch (HttpRequestException ex) when (ex.StatusCode is null)
        {
            throw ChatClientErrors.Unreachable(_endpoint, ex);
        }

        using (response)
        {
            var requestId = RequestIdOf(response);
            JsonDocument? document = null;
            try
            {
                try
                {
                    var stream = await response.Content.ReadAsStreamAsync(linked.Token).ConfigureAwait(false);
                    await using (stream.ConfigureAwait(false))
                    {
                        document = await JsonDocument.ParseAsync(stream, default, linked.Token).ConfigureAwait(false);
                    }
                }
                catch (JsonException ex)
                {
                    if (!response.IsSuccessStatusCode)
                    {
                        throw ChatClientErrors.Http(response.StatusCode, response.ReasonPhrase, requestId, _endpoint);
                    }

                    throw ChatClientErrors.BadResponse("the body is not JSON", response.StatusCode, requestId, ex);
                }
                catch (OperationCanceledException ex) when (!cancellationToken.IsCancellationRequested)
                {
                    throw ChatClientErrors.TimedOut(_endpoint, _requestTimeout, ex);
                }
                catch (HttpRequestException ex)
                {
                    throw ChatClientErrors.Unreachable(_endpoint, ex);
                }

                return ReadResult(document.RootElement, field, resultType, response.StatusCode, requestId);
            }
            finally
            {
                document?.Dispose();
            }
        }
    }

    private TResult? ReadResult<TResult>(JsonElement root, string field, JsonTypeInfo<TResult> resultType, HttpStatusCode status, string? requestId)
        where TResult : class
    {
        if (root.ValueKind != JsonValueKind.Object)
        {
            throw (int)status is >= 200 and < 300
                ? ChatClientErrors.BadResponse("the body is not a JSON object", status, requestId)
                : ChatClientErrors.Http(status, null, requestId, _endpoint);
        }

        if (root.TryGetProperty(GraphQLWire.Errors, out var errors) && errors.ValueKind == JsonValueKind.Array && errors.GetArrayLength() > 0)
        {
            throw ChatClientErrors.GraphQL(ReadErrors(errors), status == HttpStatusCode.OK ? null : status, requestId);
        }

        if ((int)status is < 200 or >= 300)
        {
            throw ChatClientErrors.Http(status, null, requestId, _endpoint);
        }

        if (!root.TryGetProperty(GraphQLWire.Data, out var data) || data.ValueKind != JsonValueKind.Object)
        {
            throw ChatClientErrors.BadResponse("no 'data' object and no 'errors'", status, requestId);
        }

        if (!data.TryGetProperty(field, out var value))
        {
            throw ChatClientErrors.BadResponse($"'data' has no '{field}'", status, requestId);
        }

        try
        {
            return value.Deserialize(resultType);
        }
        catch (JsonException ex)
        {
            throw ChatClientErrors.BadResponse($"'{field}' does not match the schema ({ex.Message})", status, requestId, ex);
        }
    }

    internal static IReadOnlyList<GraphQLError> ReadErrors(JsonElement errors)
    {
        var list = new List<GraphQLError>();
        foreach (var error in errors.EnumerateArray())
        {
            if (error.ValueKind != JsonValueKind.Object)
            {
                list.Add(new GraphQLError(null, error.ToString(), []));
                continue;
            }

            string? type = null;
            if (error.TryGetProperty(GraphQLWire.ErrorType, out var errorType) && errorType.ValueKind == JsonValueKind.String)
            {
                type = errorType.GetString();
            }
            else if (error.TryGetProperty(GraphQLWire.ErrorExtensions, out var extensions) && extensions.ValueKind == JsonValueKind.Object
                && extensions.TryGetProperty(GraphQLWire.ExtensionsCode, out var code) && code.ValueKind == JsonValueKind.String)
            {
                type = code.GetString();
            }

            var message = error.TryGetProperty(GraphQLWire.ErrorMessage, out var m) && m.ValueKind == JsonValueKind.String
                ? m.GetString() ?? ""
                : "(no message)";
            var path = new List<string>();
            if (error.TryGetProperty(GraphQLWire.ErrorPath, out var p) && p.ValueKind == JsonValueKind.Array)
            {
                foreach (var segment in p.EnumerateArray())
                {
                    path.Add(segment.ValueKind == JsonValueKind.String ? segment.GetString()! : segment.GetRawText());
                }
            }

            list.Add(new GraphQLError(type, message, path));
        }

        return list;
    }

    private static byte[] WriteBody<TVariables>(string query, TVariables variables, JsonTypeInfo<TVariables> variablesType)
    {
        using var buffer = new MemoryStream();
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartObject();
            writer.WriteString(GraphQLWire.Query, query);
            writer.WritePropertyName(GraphQLWire.Variables);
            JsonSerializer.Serialize(writer, variables, variablesType);
            writer.WriteEndObject();
        }

        return buffer.ToArray();
    }

    private static string? RequestIdOf(HttpResponseMessage response)
    {
        foreach (var name in GraphQLWire.RequestIdHeaders)
        {
            if (response.Headers.TryGetValues(name, out var values))
            {
                return values.FirstOrDefault();
            }
        }

        return null;
    }

    private static void RequireId(string id, string name)
    {
        if (ChannelIds.Explain(id) is { } why)
        {
            throw new ArgumentException($"{name} {why} (got '{id}').", name);
        }
    }
}
