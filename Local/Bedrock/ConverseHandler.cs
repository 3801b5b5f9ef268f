using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using AppSyncChat.Aws.Bedrock;
using AppSyncChat.Aws.EventStream;
using AppSyncChat.Local.Signing;
using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.Http.Features;

namespace AppSyncChat.Local.Bedrock;

/// <summary>Serves <c>POST /model/{modelId}/converse</c> and <c>/converse-stream</c>.</summary>
internal sealed class ConverseHandler(BedrockEmulatorOptions options, RequestLog log)
{
    private readonly SigV4Verifier _verifier = new(new SigV4VerifierOptions
    {
        Credentials = options.Credentials,
        Region = options.Region,
        Service = BedrockWireNames.SigningName,
        TimeProvider = options.TimeProvider,
    });

    private TimeProvider Time => options.TimeProvider;

    public async Task HandleAsync(HttpContext context)
    {
        var cancellationToken = context.RequestAborted;
        var requestId = Guid.NewGuid().ToString();
        context.Response.Headers[BedrockWireNames.RequestIdHeader] = requestId;

        var request = await SigV4HttpRequests.ReadAsync(context.Request, cancellationToken);
        if (!TryRoute(request.RawTarget, out var modelId, out var stream))
        {
            await WriteErrorAsync(context, 404, "UnknownOperationException", "The requested operation is not supported by the Bedrock Runtime emulator.");
            return;
        }

        if (Authenticate(request) is { } failure)
        {
            await WriteErrorAsync(context, failure.Status, failure.Code, failure.Message);
            return;
        }

        var record = log.Start(requestId, stream ? "ConverseStream" : "Converse", modelId, Time.GetUtcNow());
        try
        {
            ConverseRequest converse;
            string prompt;
            EmulatorDirectives directives;
            try
            {
                converse = ConverseRequestValidator.Parse(request.Body.Span);
                (directives, prompt) = EmulatorDirectives.Parse(LastUserText(converse));
                record.SetPrompt(prompt);
                if (directives.Fault == EmulatorFault.Validation)
                {
                    throw new EmulatorValidationException("Injected validation error ([[fault=validation]]).");
                }
            }
            catch (EmulatorValidationException ex)
            {
                record.Complete("ValidationException", null, Time.GetUtcNow());
                await WriteErrorAsync(context, 400, BedrockWireNames.ValidationException, ex.Message);
                return;
            }

            if (directives.Fault == EmulatorFault.Throttle)
            {
                record.Complete("ThrottlingException", null, Time.GetUtcNow());
                await WriteErrorAsync(context, 429, BedrockWireNames.ThrottlingException, "Too many requests, please wait before trying again. (injected: [[fault=throttle]])");
                return;
            }

            var answerTokens = directives.AnswerTokens ?? options.AnswerTokens;
            var plan = Limit(DeterministicModel.Plan(converse, prompt, directives, answerTokens), converse.InferenceConfig);
            var schedule = new TokenSchedule(Time, record, directives.TimeToFirstToken ?? options.TimeToFirstToken, directives.TokensPerSecond ?? options.TokensPerSecond, directives.Stall, directives.At ?? plan.TextTokens.Count / 2);
            if (stream)
            {
                await StreamAsync(context, plan, directives, schedule, record, cancellationToken);
            }
            else
            {
                await ConverseAsync(context, plan, directives, schedule, record, modelId, cancellationToken);
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            record.Complete("cancelled", null, Time.GetUtcNow());
        }
        catch (Exception ex) when (ex is IOException or ConnectionAbortedException)
        {
            record.Complete("client disconnected", null, Time.GetUtcNow());
        }
    }

    public async Task HandleRequestInfoAsync(HttpContext context, string requestId)
    {
        if (log.Find(requestId) is { } info)
        {
            context.Response.ContentType = BedrockWireNames.JsonContentType;
            await context.Response.WriteAsync(JsonSerializer.Serialize(info, BedrockEmulatorJsonContext.Default.EmulatorRequestInfo), context.RequestAborted);
        }
        else
        {
            await WriteErrorAsync(context, 404, BedrockWireNames.ResourceNotFoundException, $"No recent request with id '{requestId}'.");
        }
    }

    public async Task HandleRequestListAsync(HttpContext context)
    {
        context.Response.ContentType = BedrockWireNames.JsonContentType;
        await context.Response.WriteAsync(JsonSerializer.Serialize(log.List(), BedrockEmulatorJsonContext.Default.ListEmulatorRequestSummary), context.RequestAborted);
    }

    private async Task StreamAsync(HttpContext context, ModelPlan plan, EmulatorDirectives directives, TokenSchedule schedule, RequestRecord record, CancellationToken cancellationToken)
    {
        context.Features.Get<IHttpResponseBodyFeature>()?.DisableBuffering();
        context.Response.StatusCode = 200;
        context.Response.ContentType = EventStreamHeaders.StreamContentType;
        await context.Response.StartAsync(cancellationToken);
        var body = context.Response.Body;

        async Task SendAsync(string eventType, byte[] payload)
        {
            await body.WriteAsync(EventStreamMessages.EncodeEvent(eventType, payload), cancellationToken);
            await body.FlushAsync(cancellationToken);
        }

        await SendAsync(BedrockWireNames.MessageStart, Json(new MessageStartEvent(BedrockWireNames.RoleAssistant), BedrockJsonContext.Default.MessageStartEvent));
        var midStreamFault = directives.Fault is EmulatorFault.StreamThrottle or EmulatorFault.StreamError;
        var outputTokens = 0;
        for (var i = 0; i < plan.TextTokens.Count; i++)
        {
            if (midStreamFault && i == schedule.At)
            {
                await SendFaultAsync(body, directives.Fault, record, cancellationToken);
                return;
            }

            await schedule.WaitForTextTokenAsync(i, cancellationToken);
            // Text blocks start without contentBlockStart, as the service often does (docs/aws-protocols.md §2.4, UNCONFIRMED).
            await SendAsync(BedrockWireNames.ContentBlockDelta, Json(new ContentBlockDeltaEvent(0, new ContentBlockDelta { Text = plan.TextTokens[i] }), BedrockJsonContext.Default.ContentBlockDeltaEvent));
            record.Token(plan.TextTokens[i], Time.GetUtcNow());
            outputTokens++;
        }

        if (midStreamFault)
        {
            await SendFaultAsync(body, directives.Fault, record, cancellationToken);
            return;
        }

        if (plan.TextTokens.Count > 0)
        {
            await SendAsync(BedrockWireNames.ContentBlockStop, Json(new ContentBlockStopEvent(0), BedrockJsonContext.Default.ContentBlockStopEvent));
        }

        if (plan.ToolUse is { } tool)
        {
            var index = plan.TextTokens.Count > 0 ? 1 : 0;
            await SendAsync(BedrockWireNames.ContentBlockStart, Json(new ContentBlockStartEvent(index, new ContentBlockStart { ToolUse = new ToolUseBlockStart(tool.ToolUseId, tool.Name) }), BedrockJsonContext.Default.ContentBlockStartEvent));
            for (var f = 0; f < tool.InputFragments.Count; f++)
            {
                await schedule.WaitForSlotAsync(plan.TextTokens.Count + f, cancellationToken);
                await SendAsync(BedrockWireNames.ContentBlockDelta, Json(new ContentBlockDeltaEvent(index, new ContentBlockDelta { ToolUse = new ToolUseBlockDelta(tool.InputFragments[f]) }), BedrockJsonContext.Default.ContentBlockDeltaEvent));
                outputTokens++;
            }

            await SendAsync(BedrockWireNames.ContentBlockStop, Json(new ContentBlockStopEvent(index), BedrockJsonContext.Default.ContentBlockStopEvent));
        }

        await SendAsync(BedrockWireNames.MessageStop, Json(new MessageStopEvent(plan.StopReason), BedrockJsonContext.Default.MessageStopEvent));
        var usage = new TokenUsage { InputTokens = plan.InputTokens, OutputTokens = outputTokens, TotalTokens = plan.InputTokens + outputTokens };
        await SendAsync(BedrockWireNames.Metadata, Json(new MetadataEvent(usage, new ConverseMetrics(schedule.ElapsedMilliseconds)), BedrockJsonContext.Default.MetadataEvent));
        record.Complete("completed", plan.StopReason, Time.GetUtcNow());
    }

    private async Task SendFaultAsync(Stream body, EmulatorFault fault, RequestRecord record, CancellationToken cancellationToken)
    {
        var frame = fault == EmulatorFault.StreamThrottle
            ? EventStreamMessages.EncodeException(
                BedrockWireNames.ThrottlingExceptionEvent,
                Json(new EmulatorErrorBody("Too many tokens, please wait before trying again. (injected: [[fault=stream-throttle]])"), BedrockEmulatorJsonContext.Default.EmulatorErrorBody))
            : EventStreamMessages.EncodeException(
                BedrockWireNames.ModelStreamErrorExceptionEvent,
                Json(new EmulatorErrorBody("The model stream failed. (injected: [[fault=stream-error]])") { OriginalStatusCode = 500, OriginalMessage = "Model produced an invalid stream." }, BedrockEmulatorJsonContext.Default.EmulatorErrorBody));
        await body.WriteAsync(frame, cancellationToken);
        await body.FlushAsync(cancellationToken);
        record.Complete(fault == EmulatorFault.StreamThrottle ? "throttlingException" : "modelStreamErrorException", null, Time.GetUtcNow());
    }

    private async Task ConverseAsync(HttpContext context, ModelPlan plan, EmulatorDirectives directives, TokenSchedule schedule, RequestRecord record, string modelId, CancellationToken cancellationToken)
    {
        var slots = plan.TextTokens.Count + (plan.ToolUse?.InputFragments.Count ?? 0);
        await schedule.WaitForSlotAsync(Math.Max(0, slots - 1), cancellationToken);
        if (directives.Fault == EmulatorFault.StreamThrottle)
        {
            record.Complete(BedrockWireNames.ThrottlingException, null, Time.GetUtcNow());
            await WriteErrorAsync(context, 429, BedrockWireNames.ThrottlingException, "Too many tokens, please wait before trying again. (injected: [[fault=stream-throttle]])");
            return;
        }

        if (directives.Fault == EmulatorFault.StreamError)
        {
            record.Complete(BedrockWireNames.ModelErrorException, null, Time.GetUtcNow());
            await WriteErrorAsync(context, 424, BedrockWireNames.ModelErrorException, "The model failed. (injected: [[fault=stream-error]])", originalStatusCode: 500, resourceName: modelId);
            return;
        }

        var content = new List<ContentBlock>();
        if (plan.TextTokens.Count > 0)
        {
            content.Add(new ContentBlock { Text = string.Concat(plan.TextTokens) });
        }

        if (plan.ToolUse is { } tool)
        {
            content.Add(new ContentBlock { ToolUse = new ToolUseBlock(tool.ToolUseId, tool.Name, JsonDocument.Parse(tool.InputJson).RootElement.Clone()) });
        }

        var output = slots;
        var response = new ConverseResponse
        {
            Output = new ConverseOutput(new BedrockMessage(BedrockWireNames.RoleAssistant, content)),
            StopReason = plan.StopReason,
            Usage = new TokenUsage { InputTokens = plan.InputTokens, OutputTokens = output, TotalTokens = plan.InputTokens + output },
            Metrics = new ConverseMetrics(schedule.ElapsedMilliseconds),
        };
        context.Response.StatusCode = 200;
        context.Response.ContentType = BedrockWireNames.JsonContentType;
        await context.Response.Body.WriteAsync(JsonSerializer.SerializeToUtf8Bytes(response, BedrockJsonContext.Default.ConverseResponse), cancellationToken);
        record.Complete("completed", plan.StopReason, Time.GetUtcNow());
    }

    /// <summary>maxTokens and stopSequences cut the text, as a model would.</summary>
    private static ModelPlan Limit(ModelPlan plan, InferenceConfiguration? config)
    {
        var tokens = plan.TextTokens.ToList();
        if (config?.StopSequences is { Count: > 0 } stops)
        {
            var text = string.Concat(tokens);
            var hit = stops.Select(s => text.IndexOf(s, StringComparison.Ordinal)).Where(p => p >= 0).DefaultIfEmpty(-1).Min();
            if (hit >= 0)
            {
                // Keep exactly the text before the first stop sequence, token by token.
                var kept = new List<string>();
                var length = 0;
                foreach (var token in tokens)
                {
                    if (length + token.Length > hit)
                    {
                        if (hit > length)
                        {
                            kept.Add(token[..(hit - length)]);
                        }

                        break;
                    }

                    kept.Add(token);
                    length += token.Length;
                }

                return plan with { TextTokens = kept, ToolUse = null, StopReason = BedrockWireNames.StopSequence };
            }
        }

        var budget = config?.MaxTokens ?? int.MaxValue;
        var needed = tokens.Count + (plan.ToolUse?.InputFragments.Count ?? 0);
        return needed > budget
            ? plan with { TextTokens = tokens.Take(budget).ToList(), ToolUse = null, StopReason = BedrockWireNames.MaxTokens }
            : plan;
    }

    private (int Status, string Code, string Message)? Authenticate(SigV4Request request)
    {
        if (request.Headers.TryGetValue("authorization", out var authorization) && authorization.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase))
        {
            var key = Encoding.UTF8.GetBytes(authorization["Bearer ".Length..].Trim());
            return options.ApiKeys.Any(k => CryptographicOperations.FixedTimeEquals(Encoding.UTF8.GetBytes(k), key))
                ? null
                : (403, "UnrecognizedClientException", "The API key included in the request is invalid.");
        }

        if (authorization is null && !options.RequireAuthentication)
        {
            return null;
        }

        var result = _verifier.Verify(request);
        return result.Failure is { } failure ? (failure.HttpStatus, failure.ErrorCode, failure.Message) : null;
    }

    private static bool TryRoute(string rawTarget, out string modelId, out bool stream)
    {
        modelId = string.Empty;
        stream = false;
        var path = rawTarget.Split('?', 2)[0];
        if (!path.StartsWith(BedrockWireNames.ModelPathPrefix, StringComparison.Ordinal))
        {
            return false;
        }

        var rest = path[BedrockWireNames.ModelPathPrefix.Length..];
        var slash = rest.IndexOf('/', StringComparison.Ordinal);
        if (slash <= 0)
        {
            return false;
        }

        var operation = rest[slash..];
        if (operation is not (BedrockWireNames.ConversePathSuffix or BedrockWireNames.ConverseStreamPathSuffix))
        {
            return false;
        }

        modelId = Uri.UnescapeDataString(rest[..slash]);
        stream = operation == BedrockWireNames.ConverseStreamPathSuffix;
        return modelId.Length is > 0 and <= 2048;
    }

    private static string LastUserText(ConverseRequest request)
    {
        for (var i = request.Messages.Count - 1; i >= 0; i--)
        {
            var message = request.Messages[i];
            if (message.Role == BedrockWireNames.RoleUser && message.Content.Any(b => b.Text is not null))
            {
                return string.Join('\n', message.Content.Where(b => b.Text is not null).Select(b => b.Text));
            }
        }

        return string.Empty;
    }

    private static byte[] Json<T>(T value, System.Text.Json.Serialization.Metadata.JsonTypeInfo<T> typeInfo) => JsonSerializer.SerializeToUtf8Bytes(value, typeInfo);

    private static async Task WriteErrorAsync(HttpContext context, int status, string code, string message, int? originalStatusCode = null, string? resourceName = null)
    {
        context.Response.StatusCode = status;
        context.Response.ContentType = BedrockWireNames.JsonContentType;
        context.Response.Headers[BedrockWireNames.ErrorTypeHeader] = code;
        var body = new EmulatorErrorBody(message) { OriginalStatusCode = originalStatusCode, ResourceName = resourceName };
        await context.Response.Body.WriteAsync(JsonSerializer.SerializeToUtf8Bytes(body, BedrockEmulatorJsonContext.Default.EmulatorErrorBody), context.RequestAborted);
    }
}
