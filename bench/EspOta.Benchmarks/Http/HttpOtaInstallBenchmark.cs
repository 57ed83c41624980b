using BenchmarkDotNet.Attributes;
using EspOta.Boot;
using EspOta.Device;
using EspOta.Flash;
using EspOta.Http;
using EspOta.Simulation;
using EspOta.Images;
using EspOta.Server;
using Microsoft.AspNetCore.Builder;

namespace EspOta.Benchmarks.Http;

/// <summary>
/// One device installing a 1.5 MiB image over loopback HTTP from the real server (Kestrel in this
/// process): ranged download, writes into <see cref="MemoryFlash"/>, image verification, SHA-256 read
/// back, boot switch. Each invocation starts from the pristine v1 flash.
/// </summary>
[MemoryDiagnoser]
public class HttpOtaInstallBenchmark
{
    private const string Project = "bench-http";

    private WebApplication _server = null!;
    private HttpClient _http = null!;
    private byte[] _flashImage = null!;
    private UpdateOffer _offer = null!;
    private string _data = null!;
    private EspDevice _device = null!;

    /// <summary>Bytes per ranged request.</summary>
    [Params(64 * 1024, 1024 * 1024)]
    public int RequestSize { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        var v1 = new AppImageBuilder(Chip.Esp32).WithProject(Project).WithVersion("1.0.0").Build();
        var probe = new AppImageBuilder(Chip.Esp32).WithProject(Project).WithVersion("2.0.0").Build();
        var v2 = new AppImageBuilder(Chip.Esp32).WithProject(Project).WithVersion("2.0.0").WithPayload(1536 * 1024 - probe.Length, 3).Build();
        _flashImage = SimulatedDeviceFlash.Build(v1, v2.Length);
        _data = Path.Combine(Path.GetTempPath(), "esp-ota-bench-" + Guid.NewGuid().ToString("N")[..8]);
        _server = EspOtaServerHost.Create("http://127.0.0.1:0", o =>
        {
            o.DataDirectory = _data;
            o.ApiKey = "bench";
        });
        _server.StartAsync().GetAwaiter().GetResult();
        _http = new HttpClient { BaseAddress = new Uri(_server.Urls.First()) };
        using var content = new ByteArrayContent(v2);
        using var request = new HttpRequestMessage(HttpMethod.Post, "api/firmware") { Content = content };
        request.Headers.Add("X-Api-Key", "bench");
        _http.Send(request).EnsureSuccessStatusCode();
        _offer = new HttpOtaClient(_http).CheckAsync(new UpdateCheckRequest("bench", "esp32", Project, "1.0.0", 0)).GetAwaiter().GetResult()
            ?? throw new InvalidOperationException("the server offered nothing");
    }

    [IterationSetup]
    public void Boot()
    {
        _device = EspDevice.Open(MemoryFlash.FromImage(_flashImage), new BootOptions { Rollback = true }, validator: EspImageValidator.ForChip(Chip.Esp32));
        _device.Reboot();
    }

    [Benchmark]
    public Task<HttpOtaResult> Install() =>
        new HttpOtaClient(_http, new HttpOtaClientOptions { RequestSize = RequestSize }).InstallAsync(_device, Chip.Esp32, _offer);

    [GlobalCleanup]
    public void Cleanup()
    {
        _http.Dispose();
        _server.StopAsync().GetAwaiter().GetResult();
        _server.DisposeAsync().AsTask().GetAwaiter().GetResult();
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        Directory.Delete(_data, recursive: true);
    }
}
