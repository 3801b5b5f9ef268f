using Microsoft.AspNetCore.Http.Features;

namespace AppSyncChat.Local.Signing;

/// <summary>Builds a <see cref="SigV4Request"/> from an ASP.NET Core request (raw target, headers, buffered body).</summary>
public static class SigV4HttpRequests
{
    /// <summary>Reads the whole body (the caller parses it from <see cref="SigV4Request.Body"/>) and captures the raw target.</summary>
    public static async Task<SigV4Request> ReadAsync(HttpRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        using var buffer = new MemoryStream();
        await request.Body.CopyToAsync(buffer, cancellationToken).ConfigureAwait(false);
        var rawTarget = request.HttpContext.Features.Get<IHttpRequestFeature>()?.RawTarget;
        if (string.IsNullOrEmpty(rawTarget) || rawTarget[0] != '/')
        {
            rawTarget = request.PathBase.Add(request.Path).ToUriComponent() + request.QueryString.ToUriComponent();
        }

        var headers = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        foreach (var (name, values) in request.Headers)
        {
            headers[name] = string.Join(',', values.Select(v => v?.Trim()));
        }

        return new SigV4Request(request.Method, rawTarget, headers, buffer.ToArray());
    }
}
