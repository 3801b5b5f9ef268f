using System.Net;
using System.Text;
using AppSyncChat.Aws.EventStream;

namespace AppSyncChat.Aws.Tests.Bedrock;

/// <summary>Answers every request with a canned response and keeps what was sent.</summary>
internal sealed class StubBedrockHandler(Func<HttpRequestMessage, HttpResponseMessage> respond) : HttpMessageHandler
{
    public HttpRequestMessage? Request { get; private set; }

    public string RequestBody { get; private set; } = string.Empty;

    public static StubBedrockHandler Stream(params byte[][] frames) => new(_ => StreamResponse(new MemoryStream(frames.SelectMany(f => f).ToArray())));

    public static HttpResponseMessage StreamResponse(Stream body)
    {
        var response = new HttpResponseMessage(HttpStatusCode.OK) { Content = new StreamContent(body) };
        response.Content.Headers.ContentType = new(EventStreamHeaders.StreamContentType);
        response.Headers.Add("x-amzn-RequestId", "req-123");
        return response;
    }

    public static HttpResponseMessage Json(HttpStatusCode status, string json, params (string Name, string Value)[] headers)
    {
        var response = new HttpResponseMessage(status) { Content = new StringContent(json, Encoding.UTF8, "application/json") };
        response.Headers.Add("x-amzn-RequestId", "req-err");
        foreach (var (name, value) in headers)
        {
            response.Headers.TryAddWithoutValidation(name, value);
        }

        return response;
    }

    public static byte[] Event(string type, string json) => EventStreamMessages.EncodeEvent(type, Encoding.UTF8.GetBytes(json));

    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        Request = request;
        RequestBody = request.Content is null ? string.Empty : await request.Content.ReadAsStringAsync(cancellationToken);
        return respond(request);
    }
}
