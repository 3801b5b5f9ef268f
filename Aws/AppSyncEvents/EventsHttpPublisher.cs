using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using AppSyncChat.Aws.Signing;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Polly;
using Polly.Retry;

namespace AppSyncChat.Aws.AppSyncEvents;

/// <summary>Settings of <see cref="EventsHttpPublisher"/>.</summary>
public sealed record EventsHttpPublisherOptions
{
    /// <summary>The HTTP publish endpoint, <c>https://&lt;http-domain&gt;/event</c> (http:// is allowed for local emulators).</summary>
    public required Uri Endpoint { get; init; }

    public required EventsAuthorization Authorization { get; init; }

    /// <summary>Clock for signing, per-attempt timeouts and backoff delays.</summary>
    public TimeProvider TimeProvider { get; init; } = TimeProvider.System;

    /// <summary>Attempts per publish, the first included (1 disables retries).</summary>
    public int MaxAttempts { get; init; } = 4;

    /// <summary>First backoff delay; later ones grow exponentially with jitter, capped by <see cref="MaxDelay"/>.</summary>
    public TimeSpan BaseDelay { get; init; } = TimeSpan.FromMilliseconds(100);

    public TimeSpan MaxDelay { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>Time limit of one HTTP attempt (a timed-out attempt is retried).</summary>
    public TimeSpan AttemptTimeout { get; init; } = TimeSpan.FromSeconds(10);
}

/// <summary>
/// <see cref="IEventsPublisher"/> over AppSync Events HTTP publish (<c>POST /event</c>). Checks the channel
/// and the 5-event and 240 KB limits before sending; retries HTTP 429, 5xx, transport errors and attempt
/// timeouts with jittered exponential backoff (bounded by <see cref="EventsHttpPublisherOptions.MaxAttempts"/>),
/// and returns only when the publish is settled, so a caller that awaits each call has one request in
/// flight at a time. A retried request whose first attempt did reach the service may deliver its events
/// twice (at-least-once), and per-event failures (<c>failed[]</c>) are returned, not retried: subscribers
/// deduplicate and order by the stream contract's <c>turn</c>/<c>seq</c>.
/// </summary>
public sealed class EventsHttpPublisher : IEventsPublisher, IDisposable
{
    private const string JsonContentType = "application/json";

    private readonly EventsHttpPublisherOptions _options;
    private readonly HttpClient _http;
    private readonly ResiliencePipeline _pipeline;
    private readonly ILogger _logger;

    /// <param name="handler">The transport; null uses a pooled <see cref="SocketsHttpHandler"/>. A given handler is not disposed.</param>
    public EventsHttpPublisher(EventsHttpPublisherOptions options, HttpMessageHandler? handler = null, ILogger<EventsHttpPublisher>? logger = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(options.Endpoint);
        ArgumentNullException.ThrowIfNull(options.Authorization);
        if (!options.Endpoint.IsAbsoluteUri || (options.Endpoint.Scheme != Uri.UriSchemeHttps && options.Endpoint.Scheme != Uri.UriSchemeHttp))
        {
            throw new ArgumentException($"The publish endpoint must be an absolute http(s) URL, e.g. https://<domain>/event; got '{options.Endpoint}'.", nameof(options));
        }

        if (options.MaxAttempts < 1)
        {
            throw new ArgumentOutOfRangeException(nameof(options), "MaxAttempts must be at least 1.");
        }

        _options = options;
        _logger = (ILogger?)logger ?? NullLogger.Instance;
        _http = handler is null
            ? new HttpClient(SignedHttpClientFactory.CreateSocketsHandler(), disposeHandler: true) { Timeout = Timeout.InfiniteTimeSpan }
            : new HttpClient(handler, disposeHandler: false) { Timeout = Timeout.InfiniteTimeSpan };
        _pipeline = BuildPipeline(options, _logger);
    }

    public async Task<EventsPublishResult> PublishAsync(string channel, IReadOnlyList<string> events, CancellationToken cancellationToken)
    {
        EventsChannelRules.ValidatePublish(channel, events);
        var body = Encoding.UTF8.GetBytes(EventsSigningBody.Publish(channel, events));
        return await _pipeline.ExecuteAsync(
            static (state, ct) => state.self.SendOnceAsync(state.body, state.count, ct),
            (self: this, body, count: events.Count),
            cancellationToken).ConfigureAwait(false);
    }

    public void Dispose() => _http.Dispose();

    private async ValueTask<EventsPublishResult> SendOnceAsync(byte[] body, int count, CancellationToken cancellationToken)
    {
        using var attempt = new CancellationTokenSource(_options.AttemptTimeout, _options.TimeProvider);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, attempt.Token);
        var headers = await _options.Authorization
            .GetHttpHeadersAsync(_options.Endpoint, JsonContentType, body, _options.TimeProvider.GetUtcNow(), cancellationToken)
            .ConfigureAwait(false);

        using var request = new HttpRequestMessage(HttpMethod.Post, _options.Endpoint)
        {
            Content = new ByteArrayContent(body),
        };
        request.Content.Headers.ContentType = new MediaTypeHeaderValue(JsonContentType);
        request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue(JsonContentType));
        foreach (var (name, value) in headers)
        {
            if (!request.Headers.TryAddWithoutValidation(name, value))
            {
                request.Content.Headers.TryAddWithoutValidation(name, value);
            }
        }

        HttpResponseMessage response;
        try
        {
            response = await _http.SendAsync(request, HttpCompletionOption.ResponseContentRead, linked.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested && attempt.IsCancellationRequested)
        {
            throw EventsErrors.Timeout(EventsErrors.ClientCodes.Timeout, $"The publish attempt got no answer within {_options.AttemptTimeout.TotalMilliseconds:0} ms.");
        }
        catch (HttpRequestException ex)
        {
            throw EventsErrors.Transport($"The publish request failed: {ex.Message}", ex);
        }

        using (response)
        {
            string text;
            try
            {
                text = await response.Content.ReadAsStringAsync(linked.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested && attempt.IsCancellationRequested)
            {
                throw EventsErrors.Timeout(EventsErrors.ClientCodes.Timeout, "The publish answer did not arrive in time.");
            }
            catch (HttpRequestException ex)
            {
                throw EventsErrors.Transport($"Reading the publish answer failed: {ex.Message}", ex);
            }

            var requestId = response.Headers.TryGetValues(EventsWireNames.Headers.RequestId, out var ids) ? ids.FirstOrDefault() : null;
            if (!response.IsSuccessStatusCode)
            {
                throw EventsErrors.FromHttp(response.StatusCode, text, requestId, RetryAfterOf(response));
            }

            return ParseResult(text, count, response.StatusCode, requestId);
        }
    }

    /// <summary>Parses <c>{"successful":[{identifier,index}],"failed":[{identifier,index,code,message}]}</c>.</summary>
    internal static EventsPublishResult ParseResult(string text, int count, HttpStatusCode status, string? requestId)
    {
        try
        {
            using var doc = JsonDocument.Parse(text);
            return EventsPublishResult.Parse(doc.RootElement, count);
        }
        catch (JsonException ex)
        {
            throw new AppSyncEventsException(
                $"The publish answer (HTTP {(int)status}) is not the expected JSON: {ex.Message}",
                EventsErrorSource.Http, EventsErrors.ClientCodes.ProtocolViolation, (int)status, false,
                [new EventsError(EventsErrors.ClientCodes.ProtocolViolation, ex.Message)], requestId, innerException: ex);
        }
    }

    private static TimeSpan? RetryAfterOf(HttpResponseMessage response)
    {
        var retryAfter = response.Headers.RetryAfter;
        if (retryAfter?.Delta is { } delta)
        {
            return delta;
        }

        return null;
    }

    private static ResiliencePipeline BuildPipeline(EventsHttpPublisherOptions options, ILogger logger)
    {
        if (options.MaxAttempts == 1)
        {
            return ResiliencePipeline.Empty;
        }

        var maxDelay = options.MaxDelay;
        return new ResiliencePipelineBuilder { TimeProvider = options.TimeProvider }
            .AddRetry(new RetryStrategyOptions
            {
                ShouldHandle = new PredicateBuilder().Handle<AppSyncEventsException>(e => e.IsRetryable),
                MaxRetryAttempts = options.MaxAttempts - 1,
                BackoffType = DelayBackoffType.Exponential,
                UseJitter = true,
                Delay = options.BaseDelay,
                MaxDelay = maxDelay,
                // Honour a server-sent Retry-After, still within the cap.
                DelayGenerator = args => ValueTask.FromResult(
                    args.Outcome.Exception is AppSyncEventsException { RetryAfter: { } after }
                        ? (TimeSpan?)(after < maxDelay ? after : maxDelay)
                        : null),
                OnRetry = args =>
                {
                    logger.LogWarning(
                        "AppSync Events publish attempt {Attempt} failed ({ErrorType}); retrying in {DelayMs} ms",
                        args.AttemptNumber + 1,
                        (args.Outcome.Exception as AppSyncEventsException)?.ErrorCode,
                        args.RetryDelay.TotalMilliseconds);
                    return ValueTask.CompletedTask;
                },
            })
            .Build();
    }
}
