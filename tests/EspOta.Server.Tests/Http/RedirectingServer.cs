using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using Microsoft.Net.Http.Headers;

namespace EspOta.Server.Tests.Http;

/// <summary>
/// A Kestrel app on a loopback address that serves an image at /fw (Range, If-Range with its SHA-256
/// as ETag) and answers with redirects: <c>/r/{code}/{hops}</c> redirects <c>hops + 1</c> times on its
/// own origin and ends at /fw, <c>/loop/{code}/a</c> and <c>/b</c> redirect to each other, <c>/away/{code}</c>
/// redirects to <see cref="AwayTo"/>, <c>/down/{code}</c> to /fw on its own host and port over plain
/// http://; the update check redirects to <see cref="CheckRedirect"/> when set. With a certificate it
/// listens on https:// only.
/// </summary>
internal sealed class RedirectingServer : IAsyncDisposable
{
    private readonly WebApplication _app;

    private RedirectingServer(WebApplication app, Uri baseAddress)
    {
        _app = app;
        BaseAddress = baseAddress;
    }

    public Uri BaseAddress { get; }

    /// <summary>Every request received: path and the device token it carried (null when none).</summary>
    public List<(string Path, string? Token)> Requests { get; } = [];

    /// <summary>Where <c>/away/{code}</c> points.</summary>
    public Uri? AwayTo { get; set; }

    /// <summary>Where the update check redirects (307) when set.</summary>
    public Uri? CheckRedirect { get; set; }

    public static async Task<RedirectingServer> StartAsync(byte[] image, string host = "127.0.0.1", X509Certificate2? tls = null)
    {
        var builder = WebApplication.CreateSlimBuilder();
        if (tls is null)
        {
            builder.WebHost.UseUrls($"http://{host}:0");
        }
        else
        {
            builder.WebHost.UseKestrelHttpsConfiguration();
            builder.WebHost.ConfigureKestrel(k => k.Listen(IPAddress.Parse(host), 0, listen => listen.UseHttps(tls)));
        }

        builder.Logging.ClearProviders();
        var app = builder.Build();
        RedirectingServer? server = null;
        string sha = Convert.ToHexStringLower(SHA256.HashData(image));
        app.Use(async (context, next) =>
        {
            lock (server!.Requests)
            {
                server.Requests.Add((context.Request.Path.Value ?? "", context.Request.Headers["X-Device-Token"].FirstOrDefault()));
            }

            await next(context);
        });
        app.MapGet("/fw", () => Results.Bytes(image, "application/octet-stream", enableRangeProcessing: true, entityTag: new EntityTagHeaderValue($"\"{sha}\"")));
        app.MapGet("/r/{code:int}/{hops:int}", (int code, int hops, HttpContext context) => Redirect(context, code, hops == 0 ? "/fw" : $"/r/{code}/{hops - 1}"));
        app.MapGet("/loop/{code:int}/{side}", (int code, string side, HttpContext context) => Redirect(context, code, $"/loop/{code}/{(side == "a" ? "b" : "a")}"));
        app.MapGet("/away/{code:int}", (int code, HttpContext context) => Redirect(context, code, server!.AwayTo!.AbsoluteUri));
        app.MapGet("/down/{code:int}", (int code, HttpContext context) => Redirect(context, code, $"http://{context.Request.Host}/fw"));
        app.MapPost("/api/updates/check", (HttpContext context) => server!.CheckRedirect is { } to ? Redirect(context, 307, to.AbsoluteUri) : Results.NoContent());
        await app.StartAsync();
        server = new RedirectingServer(app, new Uri(app.Urls.Single() + "/"));
        return server;
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }

    private static IResult Redirect(HttpContext context, int code, string location)
    {
        context.Response.Headers.Location = location;
        return Results.StatusCode(code);
    }
}
