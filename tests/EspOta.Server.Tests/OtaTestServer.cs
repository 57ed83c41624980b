using System.Net.Http.Json;
using System.Collections.Concurrent;
using EspOta.Server;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Logging;

namespace EspOta.Server.Tests;

/// <summary>The real update server on Kestrel, 127.0.0.1 and a free port, over a temp data folder that outlives restarts.</summary>
public sealed class OtaTestServer : IAsyncDisposable
{
    public const string ApiKey = "test-key-0123456789";

    private readonly Action<EspOtaServerOptions>? _configure;
    private WebApplication? _app;

    private OtaTestServer(string dataDirectory, Action<EspOtaServerOptions>? configure)
    {
        DataDirectory = dataDirectory;
        _configure = configure;
    }

    public string DataDirectory { get; }

    /// <summary>Everything the server logged at Information or above, across restarts.</summary>
    public ConcurrentQueue<(LogLevel Level, string Category, string Message, Exception? Exception)> Logs { get; } = new();

    /// <summary>The running app's services.</summary>
    public IServiceProvider Services => _app!.Services;

    public Uri BaseAddress { get; private set; } = null!;

    /// <summary>A client without the API key (what devices use).</summary>
    public HttpClient Device { get; private set; } = null!;

    /// <summary>A client that sends the API key.</summary>
    public HttpClient Admin { get; private set; } = null!;

    public static async Task<OtaTestServer> StartAsync(Action<EspOtaServerOptions>? configure = null, string? dataDirectory = null)
    {
        var data = dataDirectory ?? Path.Combine(Path.GetTempPath(), "esp-ota-server-tests", Guid.NewGuid().ToString("N"));
        var server = new OtaTestServer(data, configure);
        await server.StartAppAsync();
        return server;
    }

    /// <summary>Stops the server and starts a new one on the same data folder (a new port).</summary>
    public async Task RestartAsync()
    {
        await StopAppAsync();
        await StartAppAsync();
    }

    /// <summary>
    /// Stops the server (requests still running are aborted after 200 ms) and returns once it is down,
    /// with a task that starts it again on the same port after <paramref name="downtime"/>: a server
    /// restart as a device sees it. That task completes when the server listens again.
    /// </summary>
    public async Task<Task> StopForAsync(TimeSpan downtime)
    {
        int port = BaseAddress.Port;
        await StopAppAsync(abortAfter: TimeSpan.FromMilliseconds(200));
        return Task.Run(async () =>
        {
            await Task.Delay(downtime);
            await StartAppAsync($"http://127.0.0.1:{port}");
        });
    }

    public async Task<HttpResponseMessage> UploadAsync(byte[] image, HttpClient? client = null)
    {
        using var content = new ByteArrayContent(image);
        content.Headers.ContentType = new("application/octet-stream");
        return await (client ?? Admin).PostAsync("/api/firmware", content);
    }

    public async Task<HttpResponseMessage> CheckAsync(object body) =>
        await Device.PostAsJsonAsync("/api/updates/check", body);

    public async ValueTask DisposeAsync()
    {
        await StopAppAsync();
        try
        {
            Directory.Delete(DataDirectory, recursive: true);
        }
        catch (IOException)
        {
            // A file still held by a pooled SQLite connection; the temp folder is cleaned by the OS.
        }
    }

    private async Task StartAppAsync(string url = "http://127.0.0.1:0")
    {
        _app = EspOtaServerHost.Create(url, o =>
        {
            o.DataDirectory = DataDirectory;
            o.ApiKey = ApiKey;
            _configure?.Invoke(o);
        },
        LogLevel.Information,
        logging => logging.AddProvider(new CapturingLoggerProvider(Logs)));
        await _app.StartAsync();
        BaseAddress = new Uri(_app.Urls.Single());
        Device = new HttpClient { BaseAddress = BaseAddress };
        Admin = new HttpClient { BaseAddress = BaseAddress };
        Admin.DefaultRequestHeaders.Add("X-Api-Key", ApiKey);
    }

    private async Task StopAppAsync(TimeSpan? abortAfter = null)
    {
        Device?.Dispose();
        Admin?.Dispose();
        if (_app is not null)
        {
            // A cancelled stop aborts the requests still running instead of waiting for them.
            using var abort = new CancellationTokenSource(abortAfter ?? Timeout.InfiniteTimeSpan);
            await _app.StopAsync(abort.Token);
            await _app.DisposeAsync();
            _app = null;
            Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        }
    }

    private sealed class CapturingLoggerProvider(ConcurrentQueue<(LogLevel, string, string, Exception?)> logs) : ILoggerProvider
    {
        public ILogger CreateLogger(string categoryName) => new Logger(categoryName, logs);

        public void Dispose()
        {
        }

        private sealed class Logger(string category, ConcurrentQueue<(LogLevel, string, string, Exception?)> logs) : ILogger
        {
            public IDisposable? BeginScope<TState>(TState state)
                where TState : notnull => null;

            public bool IsEnabled(LogLevel logLevel) => logLevel >= LogLevel.Information;

            public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
            {
                if (IsEnabled(logLevel))
                {
                    logs.Enqueue((logLevel, category, formatter(state, exception), exception));
                }
            }
        }
    }
}
