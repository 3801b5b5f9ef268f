using System.Net;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;

namespace AppSyncChat.Local.Bedrock;

/// <summary>
/// The Bedrock Runtime emulator: Kestrel on 127.0.0.1 serving <c>POST /model/{modelId}/converse</c>,
/// <c>POST /model/{modelId}/converse-stream</c> and <c>GET /_emulator/requests/{requestId}</c>.
/// </summary>
public sealed class BedrockEmulatorServer : IAsyncDisposable
{
    /// <summary>The diagnostics path prefix (not part of Bedrock's API).</summary>
    public const string RequestInfoPath = "/_emulator/requests/";

    private readonly WebApplication _app;

    private BedrockEmulatorServer(WebApplication app, Uri baseAddress)
    {
        _app = app;
        BaseAddress = baseAddress;
    }

    /// <summary>e.g. <c>http://127.0.0.1:4020/</c>.</summary>
    public Uri BaseAddress { get; }

    public static async Task<BedrockEmulatorServer> StartAsync(BedrockEmulatorOptions options, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { ContentRootPath = AppContext.BaseDirectory });
        builder.Logging.ClearProviders();
        builder.WebHost.UseKestrel(kestrel =>
        {
            kestrel.Listen(IPAddress.Loopback, options.Port);
            kestrel.AddServerHeader = false;
        });

        var app = builder.Build();
        var handler = new ConverseHandler(options, new RequestLog(options.RequestLogCapacity));
        app.MapGet(RequestInfoPath.TrimEnd('/'), (HttpContext context) => handler.HandleRequestListAsync(context));
        app.MapGet(RequestInfoPath + "{requestId}", (HttpContext context, string requestId) => handler.HandleRequestInfoAsync(context, requestId));
        app.MapPost("/model/{**rest}", (HttpContext context) => handler.HandleAsync(context));

        try
        {
            await app.StartAsync(cancellationToken).ConfigureAwait(false);
        }
        catch
        {
            await app.DisposeAsync().ConfigureAwait(false);
            throw;
        }

        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        return new BedrockEmulatorServer(app, new Uri(address.EndsWith('/') ? address : address + "/"));
    }

    public async ValueTask DisposeAsync()
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(5));
        try
        {
            await _app.StopAsync(timeout.Token).ConfigureAwait(false);
        }
        finally
        {
            await _app.DisposeAsync().ConfigureAwait(false);
        }
    }
}
