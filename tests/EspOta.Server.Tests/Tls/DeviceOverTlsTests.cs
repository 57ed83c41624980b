using System.Net;
using EspOta.Flash;
using EspOta.Http;
using EspOta.Images;
using EspOta.Security;
using EspOta.Server.Tls;
using EspOta.Simulation;
using Microsoft.AspNetCore.Builder;

namespace EspOta.Server.Tests.Tls;

/// <summary>A simulated device running the whole cycle against the HTTPS server: trusted, or refused before anything is erased.</summary>
public sealed class DeviceOverTlsTests : IAsyncDisposable
{
    private const string ApiKey = "device-tls-key";
    private const long SlotSize = 0x100000;

    private readonly string _data = Path.Combine(Path.GetTempPath(), "esp-ota-device-tls-" + Guid.NewGuid().ToString("N"));
    private readonly List<(WebApplication App, TlsFiles Files)> _servers = [];

    public async ValueTask DisposeAsync()
    {
        foreach (var (app, files) in _servers)
        {
            await app.StopAsync();
            await app.DisposeAsync();
            files.Dispose();
        }

        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        if (Directory.Exists(_data))
        {
            Directory.Delete(_data, recursive: true);
        }
    }

    private async Task<Uri> StartWithV2Async(TlsFiles files)
    {
        var app = EspOtaServerHost.Create("https://127.0.0.1:0", o =>
        {
            o.DataDirectory = Path.Combine(_data, _servers.Count.ToString());
            o.ApiKey = ApiKey;
        }, new EspOtaTlsOptions { CertificatePath = files.CertPath, KeyPath = files.KeyPath });
        await app.StartAsync();
        _servers.Add((app, files));
        var address = new Uri(app.Urls.Single());
        // The operator's upload is not under test here (the certificate may be deliberately bad for devices).
        using var admin = new HttpClient(new SocketsHttpHandler
        {
            SslOptions = new System.Net.Security.SslClientAuthenticationOptions { RemoteCertificateValidationCallback = (_, _, _, _) => true },
        }) { BaseAddress = address };
        admin.DefaultRequestHeaders.Add("X-Api-Key", ApiKey);
        using var content = new ByteArrayContent(TestFirmware.Build("tls-app", "2.0.0", payload: 100_000));
        using var uploaded = await admin.PostAsync("/api/firmware", content);
        Assert.Equal(HttpStatusCode.Created, uploaded.StatusCode);
        return address;
    }

    private static (SimulatedDevice Device, MemoryFlash Flash) Device(Uri server, HttpOtaTlsOptions trust)
    {
        var flash = MemoryFlash.FromImage(SimulatedDeviceFlash.Build(TestFirmware.Build("tls-app", "1.0.0"), SlotSize));
        var client = new HttpOtaClient(HttpOtaTls.CreateClient(server, trust), new HttpOtaClientOptions { MaxRetries = 3, RetryDelay = TimeSpan.FromMilliseconds(10) });
        return (new SimulatedDevice("tls-device", Chip.Esp32, flash, client), flash);
    }

    [Fact]
    public async Task TrustedCa_DeviceUpdatesOverHttps()
    {
        var files = new TlsFiles();
        var server = await StartWithV2Async(files);
        var (device, _) = Device(server, new HttpOtaTlsOptions { CertPem = File.ReadAllText(files.CaPath) });
        var result = await device.RunCycleAsync();
        Assert.Equal(DeviceCycleOutcome.Updated, result.Outcome);
        Assert.Equal("2.0.0", device.RunningApp?.Version);
    }

    public static TheoryData<string, HttpOtaTlsFailure> Refusals => new()
    {
        { "wrong-ca", HttpOtaTlsFailure.UntrustedCertificate },
        { "name-mismatch", HttpOtaTlsFailure.NameMismatch },
        { "expired", HttpOtaTlsFailure.Expired },
    };

    [Theory]
    [MemberData(nameof(Refusals))]
    public async Task BadCertificate_IsRefusedBeforeAnythingIsErased(string kind, HttpOtaTlsFailure expected)
    {
        var files = kind switch
        {
            "name-mismatch" => new TlsFiles(names: ["ota.example"]),
            "expired" => new TlsFiles(notBefore: DateTimeOffset.UtcNow.AddDays(-10), validity: TimeSpan.FromDays(1)),
            _ => new TlsFiles(),
        };
        var server = await StartWithV2Async(files);
        using var other = LocalCertificateAuthority.Create("not the server's CA");
        string ca = kind == "wrong-ca" ? LocalCertificateAuthority.CertificatePem(other.Certificate) : File.ReadAllText(files.CaPath);
        var (device, flash) = Device(server, new HttpOtaTlsOptions { CertPem = ca });
        byte[] before = flash.Contents.ToArray();
        long erasesBefore = flash.Statistics.Erases;

        var result = await device.RunCycleAsync();

        Assert.Equal(DeviceCycleOutcome.Failed, result.Outcome);
        var tls = Assert.IsType<HttpOtaTlsException>(result.Error);
        Assert.Equal(EspError.HttpConnect, tls.Code);
        Assert.Equal(expected, tls.Failure);
        Assert.Equal(erasesBefore, flash.Statistics.Erases);
        Assert.Equal(before, flash.Contents.ToArray());
        Assert.Equal("1.0.0", device.RunningApp?.Version);
    }
}
