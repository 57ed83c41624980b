using System.Net;
using System.Net.Http.Json;
using EspOta.Flash;
using EspOta.Http;
using EspOta.Images;
using EspOta.Security;
using EspOta.Server.Devices;
using EspOta.Server.Firmware;
using EspOta.Server.Tests.Http;
using EspOta.Server.Tests.Tls;
using EspOta.Server.Tls;
using EspOta.Simulation;
using Microsoft.AspNetCore.Builder;

namespace EspOta.Server.Tests.Encryption;

/// <summary>
/// End to end on real Kestrel over HTTPS (issue 11): a project with an encryption key, a device
/// holding the matching private key, the download of the encrypted image cut halfway by a TCP proxy,
/// a reboot, the resumed download, install, self-test and confirmation; and a device with the wrong
/// key, refused before the boot partition (or anything else on flash) changes.
/// </summary>
public sealed class EncryptedOverHttpsTests : IAsyncDisposable
{
    private const string ApiKey = "encrypted-https-key";
    private const string Project = "crypt-tls-app";

    private readonly string _data = Path.Combine(Path.GetTempPath(), "esp-ota-crypt-tls-" + Guid.NewGuid().ToString("N"));
    private readonly TlsFiles _tls = new();
    private WebApplication? _app;

    public async ValueTask DisposeAsync()
    {
        if (_app is not null)
        {
            await _app.StopAsync();
            await _app.DisposeAsync();
        }

        _tls.Dispose();
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        if (Directory.Exists(_data))
        {
            Directory.Delete(_data, recursive: true);
        }
    }

    private HttpOtaTlsOptions Trust => new() { CertPem = File.ReadAllText(_tls.CaPath) };

    /// <summary>Starts the HTTPS server, gives the project <paramref name="publicPem"/> and uploads the plain v2; returns the server address and the upload's answer.</summary>
    private async Task<(Uri Server, FirmwareInfo Info, byte[] Plain)> StartWithEncryptedV2Async(string publicPem)
    {
        _app = EspOtaServerHost.Create("https://127.0.0.1:0", o =>
        {
            o.DataDirectory = _data;
            o.ApiKey = ApiKey;
        }, new EspOtaTlsOptions { CertificatePath = _tls.CertPath, KeyPath = _tls.KeyPath });
        await _app.StartAsync();
        var address = new Uri(_app.Urls.Single());
        using var admin = HttpOtaTls.CreateClient(address, Trust);
        admin.DefaultRequestHeaders.Add("X-Api-Key", ApiKey);
        await EncryptedProjectTests.SetKeyAsync(admin, Project, publicPem);
        var plain = TestFirmware.Build(Project, "2.0.0", payload: 300_000, seed: 5);
        using var content = new ByteArrayContent(plain);
        content.Headers.ContentType = new("application/octet-stream");
        using var uploaded = await admin.PostAsync("/api/firmware", content);
        Assert.Equal(HttpStatusCode.Created, uploaded.StatusCode);
        var info = (await uploaded.Content.ReadFromJsonAsync<FirmwareInfo>())!;
        Assert.NotNull(info.Encryption);
        return (address, info, plain);
    }

    private SimulatedDevice NewDevice(string id, Uri address, ImageDecryptionKey key, IOtaCheckpointStore checkpoints, out MemoryFlash flash)
    {
        flash = HttpTestDevices.NewFlash(TestFirmware.Build(Project, "1.0.0"));
        var client = new HttpOtaClient(
            HttpOtaTls.CreateClient(address, Trust),
            new HttpOtaClientOptions { MaxRetries = 0, RequestSize = 1 << 20, RetryDelay = TimeSpan.FromMilliseconds(10) })
        {
            DecryptionKey = key,
        };
        return new SimulatedDevice(id, Chip.Esp32, flash, client, new SimulatedDeviceOptions { Checkpoints = checkpoints });
    }

    [Fact]
    public async Task EncryptedImage_CutHalfwayRebootResume_InstallsSelfTestsAndConfirms()
    {
        var (server, info, plain) = await StartWithEncryptedV2Async(EncryptedProjectTests.EcdhPublicPem);
        // The cut counts TLS bytes of every response through the proxy (handshakes, the check, the
        // reports): half the encrypted file lands it well inside the download.
        await using var proxy = new DroppingProxy(server, cutAfterResponseBytes: info.Size / 2);
        using var key = EncryptedProjectTests.EcdhDeviceKey();
        var checkpoints = new MemoryOtaCheckpointStore();
        var device = NewDevice("crypt-dev", proxy.SecureBaseAddress, key, checkpoints, out var flash);

        var cut = await device.RunCycleAsync();

        Assert.Equal(DeviceCycleOutcome.Failed, cut.Outcome);
        Assert.Equal(1, proxy.Drops);
        var saved = Assert.IsType<OtaCheckpoint>(checkpoints.Load());
        Assert.Equal(info.Sha256, saved.Sha256);
        Assert.InRange(saved.BytesWritten, HttpOtaClientOptions.HeaderSize, plain.Length - 1);
        Assert.Equal(EncryptedImageHeader.Size + saved.BytesWritten, saved.BodyOffset);

        // Power cycle: the old app boots, the checkpoint survives (the device's NVS).
        Assert.Equal("1.0.0", device.Device.Reboot().App!.Version);
        var resumed = await device.RunCycleAsync();

        Assert.Equal(DeviceCycleOutcome.Updated, resumed.Outcome);
        Assert.Equal(saved.BytesWritten, resumed.Install!.ResumedFrom);
        Assert.True(resumed.Install.BytesDownloaded < info.Size, $"the resume fetched {resumed.Install.BytesDownloaded} of {info.Size} bytes");
        Assert.Equal("2.0.0", device.RunningApp!.Version);
        var slot = device.Device.RunningPartition!;
        var onFlash = new byte[plain.Length];
        flash.Read(slot.Offset, onFlash);
        Assert.Equal(plain, onFlash);
        Assert.Null(checkpoints.Load());

        using var admin = HttpOtaTls.CreateClient(server, Trust);
        admin.DefaultRequestHeaders.Add("X-Api-Key", ApiKey);
        var details = (await admin.GetFromJsonAsync<DeviceDetails>("/api/devices/crypt-dev"))!;
        Assert.Equal((DeviceReportKind.Confirmed, "2.0.0"), (details.Device.State!.Value, details.Device.Version));
        Assert.Contains(details.History, e => e.Kind == DeviceReportKind.Confirmed && e.Sha256 == info.Sha256);
    }

    public static TheoryData<string> WrongKeys => new() { "ecies", "rsa" };

    [Theory]
    [MemberData(nameof(WrongKeys))]
    public async Task WrongDeviceKey_RefusedBeforeTheBootPartitionChanges_OldAppBoots(string scheme)
    {
        using var rsaProjectKey = ImageDecryptionKey.Load(EncryptedProjectTests.KeyPath("rsa_a", "rsa_priv_key.pem"));
        string projectKey = scheme == "rsa" ? rsaProjectKey.PublicKey.ExportPem() : EncryptedProjectTests.EcdhPublicPem;
        var (server, _, _) = await StartWithEncryptedV2Async(projectKey);
        using var wrong = scheme == "rsa"
            ? ImageDecryptionKey.Load(EncryptedProjectTests.KeyPath("espressif_test_app_rsa", "rsa_priv_key.pem"))
            : ImageDecryptionKey.FromHmacKey(File.ReadAllBytes(EncryptedProjectTests.KeyPath("espressif_example_ecc", "device_hmac_key.bin")));
        var device = NewDevice("wrong-key-dev", server, wrong, new MemoryOtaCheckpointStore(), out var flash);
        Assert.Equal("1.0.0", device.Device.Reboot().App!.Version);
        byte[] before = flash.Contents.ToArray();
        long erases = flash.Statistics.Erases;
        var bootBefore = device.Device.Ota.GetBootPartition();

        var result = await device.RunCycleAsync();

        // ECIES: the wrong key derives another AES key, the first decrypted bytes are no app image
        // (refused by the admission check). RSA: the wrapped key does not unwrap. Both before erase.
        if (scheme == "rsa")
        {
            Assert.Equal(DeviceCycleOutcome.Failed, result.Outcome);
            Assert.Equal(EncryptedImageFailure.KeyUnwrapFailed, Assert.IsType<EncryptedImageException>(result.Error).Failure);
        }
        else
        {
            Assert.Equal(DeviceCycleOutcome.Refused, result.Outcome);
            Assert.True(Assert.IsType<HttpOtaRefusedException>(result.Error).BeforeErase);
        }

        Assert.Equal(erases, flash.Statistics.Erases);
        Assert.Equal(before, flash.Contents.ToArray());
        Assert.Equal(bootBefore, device.Device.Ota.GetBootPartition());
        Assert.Equal("1.0.0", device.Device.Reboot().App!.Version);
        Assert.Equal("factory", device.Device.RunningPartition!.Label);
    }

    [Fact]
    public async Task NoDeviceKey_EncryptedOfferRefusedBeforeErase()
    {
        var (server, _, _) = await StartWithEncryptedV2Async(EncryptedProjectTests.EcdhPublicPem);
        var flash = HttpTestDevices.NewFlash(TestFirmware.Build(Project, "1.0.0"));
        var device = new SimulatedDevice("no-key-dev", Chip.Esp32, flash, new HttpOtaClient(HttpOtaTls.CreateClient(server, Trust)));
        byte[] before = flash.Contents.ToArray();

        var result = await device.RunCycleAsync();

        Assert.Equal(DeviceCycleOutcome.Refused, result.Outcome);
        Assert.Equal(HttpOtaRefusal.NoDecryptionKey, Assert.IsType<HttpOtaRefusedException>(result.Error).Refusal);
        Assert.Equal(before, flash.Contents.ToArray());
    }
}
