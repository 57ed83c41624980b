using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace EspOta.Server.Tests.Http;

/// <summary>
/// A tiny Kestrel app on 127.0.0.1 that plays a broken or hostile update server: it answers the
/// update check with a fixed body (204 when null) and serves an image at /fw while ignoring Range (always 200).
/// </summary>
internal sealed class HostileServer : IAsyncDisposable
{
    private readonly WebApplication _app;

    private HostileServer(WebApplication app, Uri baseAddress)
    {
        _app = app;
        BaseAddress = baseAddress;
    }

    public Uri BaseAddress { get; }

    /// <summary>Paths of every request received, in order.</summary>
    public List<string> Requests { get; } = [];

    public static async Task<HostileServer> StartAsync(string? checkBody, byte[]? image = null, string pathBase = "")
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Logging.ClearProviders();
        var app = builder.Build();
        HostileServer? server = null;
        app.Use(async (context, next) =>
        {
            lock (server!.Requests)
            {
                server.Requests.Add(context.Request.Path.Value ?? "");
            }

            await next(context);
        });
        app.MapPost(pathBase + "/api/updates/check", () => checkBody is null ? Results.NoContent() : Results.Text(checkBody, "application/json"));
        app.MapPost(pathBase + "/api/devices/{id}/reports", () => Results.NoContent());
        app.MapGet(pathBase + "/fw", () => image is null ? Results.NotFound() : Results.Bytes(image, "application/octet-stream"));
        await app.StartAsync();
        server = new HostileServer(app, new Uri(app.Urls.Single() + pathBase + "/"));
        return server;
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}
