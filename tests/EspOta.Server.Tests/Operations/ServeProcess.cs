using System.Diagnostics;
using System.Text.Json;

namespace EspOta.Server.Tests.Operations;

/// <summary>A real <c>esp-ota serve</c> process on 127.0.0.1 and a free port.</summary>
public sealed class ServeProcess : IAsyncDisposable
{
    private readonly Process _process;

    private ServeProcess(Process process, Uri baseAddress)
    {
        _process = process;
        BaseAddress = baseAddress;
        Device = new HttpClient { BaseAddress = baseAddress };
        Admin = new HttpClient { BaseAddress = baseAddress };
        Admin.DefaultRequestHeaders.Add("X-Api-Key", OtaTestServer.ApiKey);
    }

    public Uri BaseAddress { get; }

    public HttpClient Device { get; }

    public HttpClient Admin { get; }

    public static async Task<ServeProcess> StartAsync(IEnumerable<string> arguments, IReadOnlyDictionary<string, string>? environment = null)
    {
        // The built esp-ota.dll, or the ESP_OTA_CLI executable (the native AOT build in CI).
        var start = CliRunner.ProcessStart(new[] { "serve", "--allow-http", "--api-key", OtaTestServer.ApiKey, "--json" }.Concat(arguments));

        foreach (var (name, value) in environment ?? new Dictionary<string, string>())
        {
            start.Environment[name] = value;
        }

        var process = Process.Start(start)!;
        try
        {
            string? line = await process.StandardOutput.ReadLineAsync().WaitAsync(TimeSpan.FromSeconds(60));
            if (line is null)
            {
                throw new InvalidOperationException("esp-ota serve exited: " + await process.StandardError.ReadToEndAsync());
            }

            using var started = JsonDocument.Parse(line);
            _ = process.StandardError.ReadToEndAsync();
            return new ServeProcess(process, new Uri(started.RootElement.GetProperty("urls")[0].GetString()!));
        }
        catch
        {
            process.Kill(entireProcessTree: true);
            process.Dispose();
            throw;
        }
    }

    public async ValueTask DisposeAsync()
    {
        Device.Dispose();
        Admin.Dispose();
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
        }

        await _process.WaitForExitAsync();
        _process.Dispose();
    }
}
