using System.Net;
using System.Net.Sockets;
using Microsoft.AspNetCore.Connections;

namespace AppSyncChat.Local.Lambda;

/// <summary>A minimal Kestrel app bound to 127.0.0.1 only (port 0: the OS picks one), with no logging providers of its own.</summary>
internal static class LoopbackKestrel
{
    public static async Task<(WebApplication App, int Port)> StartAsync(int port, Action<WebApplication> map, string what, CancellationToken cancellationToken)
    {
        var (app, ports) = await StartAsync(port, 0, map, what, cancellationToken).ConfigureAwait(false);
        return (app, ports[0]);
    }

    /// <summary>As <see cref="StartAsync(int, Action{WebApplication}, string, CancellationToken)"/>, also listening on <paramref name="extraPorts"/> more dynamic ports; returns the main port first.</summary>
    public static async Task<(WebApplication App, int[] Ports)> StartAsync(int port, int extraPorts, Action<WebApplication> map, string what, CancellationToken cancellationToken)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(port);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(port, 65535);
        ArgumentOutOfRangeException.ThrowIfNegative(extraPorts);
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseKestrel(options =>
        {
            options.Listen(IPAddress.Loopback, port);
            for (var i = 0; i < extraPorts; i++)
            {
                options.Listen(IPAddress.Loopback, 0);
            }

            options.Limits.MaxRequestBodySize = 16 * 1024 * 1024;
        });
        var app = builder.Build();
        map(app);
        try
        {
            await app.StartAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (IOException ex) when (ex.InnerException is AddressInUseException or SocketException { SocketErrorCode: SocketError.AddressAlreadyInUse })
        {
            await app.DisposeAsync().ConfigureAwait(false);
            throw new InvalidOperationException($"{what}: port {port} on 127.0.0.1 is already in use.", ex);
        }

        // All ports serve the same app; callers that tell them apart only need them distinct (the first is the main one).
        var bound = app.Urls.Select(u => new Uri(u).Port).ToArray();
        return (app, bound);
    }

    public static async Task<byte[]> ReadBodyAsync(HttpRequest request, int limit, CancellationToken cancellationToken)
    {
        using var buffer = new MemoryStream();
        var chunk = new byte[16 * 1024];
        int read;
        while ((read = await request.Body.ReadAsync(chunk, cancellationToken).ConfigureAwait(false)) > 0)
        {
            buffer.Write(chunk, 0, read);
            if (buffer.Length > limit)
            {
                throw new PayloadTooLargeException(limit);
            }
        }

        return buffer.ToArray();
    }
}

internal sealed class PayloadTooLargeException(int limit) : Exception($"The payload exceeds {limit} bytes.")
{
    public int Limit { get; } = limit;
}
