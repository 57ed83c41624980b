using System.Net.Http.Headers;
using System.Security.Cryptography;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace EspOta.Server.Tests.Http;

/// <summary>
/// A slow but honest image server on 127.0.0.1: /fw answers Range requests (206, Content-Range, the
/// SHA-256 as ETag) and sends the body <see cref="ChunkSize"/> bytes at a time with a pause between
/// chunks; with <see cref="CutAt"/> set it aborts the connection once, when that image offset is reached.
/// </summary>
internal sealed class SlowServer : IAsyncDisposable
{
    private readonly WebApplication _app;

    private SlowServer(WebApplication app, Uri baseAddress)
    {
        _app = app;
        BaseAddress = baseAddress;
    }

    public Uri BaseAddress { get; }

    public int ChunkSize { get; init; } = 100;

    public TimeSpan Pause { get; init; } = TimeSpan.FromMilliseconds(20);

    /// <summary>Image offset at which the connection is aborted (once), or null.</summary>
    public long? CutAt { get; set; }

    /// <summary>Body bytes sent so far.</summary>
    public long BytesSent => Interlocked.Read(ref _sent);

    private long _sent;

    public static async Task<SlowServer> StartAsync(byte[] image, int chunkSize, TimeSpan pause)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Logging.ClearProviders();
        var app = builder.Build();
        SlowServer? server = null;
        string etag = $"\"{Convert.ToHexStringLower(SHA256.HashData(image))}\"";
        app.MapGet("/fw", async (HttpContext context) =>
        {
            long from = 0, to = image.Length - 1;
            if (RangeHeaderValue.TryParse(context.Request.Headers.Range.ToString(), out var range) && range.Ranges.Single() is { From: { } f } r)
            {
                from = f;
                to = Math.Min(r.To ?? to, image.Length - 1);
                context.Response.StatusCode = StatusCodes.Status206PartialContent;
                context.Response.Headers.ContentRange = $"bytes {from}-{to}/{image.Length}";
            }

            context.Response.Headers.ETag = etag;
            context.Response.ContentLength = to - from + 1;
            for (long at = from; at <= to;)
            {
                int n = (int)Math.Min(server!.ChunkSize, to + 1 - at);
                if (server.CutAt is { } cut && at + n > cut)
                {
                    n = (int)(cut - at);
                    if (n > 0)
                    {
                        await context.Response.Body.WriteAsync(image.AsMemory((int)at, n));
                        await context.Response.Body.FlushAsync();
                        Interlocked.Add(ref server._sent, n);
                    }

                    server.CutAt = null;
                    await Task.Delay(100);
                    context.Abort();
                    return;
                }

                await context.Response.Body.WriteAsync(image.AsMemory((int)at, n));
                await context.Response.Body.FlushAsync();
                Interlocked.Add(ref server._sent, n);
                at += n;
                await Task.Delay(server.Pause);
            }
        });
        await app.StartAsync();
        server = new SlowServer(app, new Uri(app.Urls.Single() + "/")) { ChunkSize = chunkSize, Pause = pause };
        return server;
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}
