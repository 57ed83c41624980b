using System.Net;
using System.Net.Http.Json;
using System.Security.Cryptography;
using EspOta.Boot;
using EspOta.Device;
using EspOta.Flash;
using EspOta.Http;
using EspOta.Simulation;
using EspOta.Images;
using EspOta.Server.Firmware;

using static EspOta.Server.Tests.Http.HttpTestDevices;

namespace EspOta.Server.Tests.Http;

/// <summary>The client against broken or hostile servers: every failure is an <see cref="EspException"/>, nothing is erased for a bad offer.</summary>
public sealed class HttpOtaClientHostileServerTests
{
    private const string Project = "hostile-app";
    private static readonly string GoodSha = new('a', 64);
    private static readonly UpdateCheckRequest Request = new("dev-1", "esp32", Project, "1.0.0", 0);

    [Theory]
    [InlineData("{not json")]
    [InlineData("[1, 2]")]
    [InlineData("{\"url\": \"fw\", \"size\": \"big\"}")]
    public async Task CheckAsync_MalformedBody_ThrowsInvalidResponse(string body)
    {
        await using var server = await HostileServer.StartAsync(body);
        using var http = new HttpClient { BaseAddress = server.BaseAddress };

        var e = await Assert.ThrowsAsync<EspException>(() => new HttpOtaClient(http).CheckAsync(Request));

        Assert.Equal(EspError.InvalidResponse, e.Code);
    }

    [Theory]
    [InlineData("{\"url\":\"fw\",\"size\":100,\"project\":\"p\",\"version\":\"2\",\"secure_version\":0,\"chip\":\"esp32\"}")]
    [InlineData("{\"size\":100,\"sha256\":\"SHA\",\"project\":\"p\",\"version\":\"2\",\"secure_version\":0,\"chip\":\"esp32\"}")]
    [InlineData("{\"url\":\"fw\",\"size\":100,\"sha256\":\"zzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzz\",\"project\":\"p\",\"version\":\"2\",\"secure_version\":0,\"chip\":\"esp32\"}")]
    [InlineData("{\"url\":\"fw\",\"size\":0,\"sha256\":\"SHA\",\"project\":\"p\",\"version\":\"2\",\"secure_version\":0,\"chip\":\"esp32\"}")]
    [InlineData("{\"url\":\"http://127.0.0.2:9/fw\",\"size\":100,\"sha256\":\"SHA\",\"project\":\"p\",\"version\":\"2\",\"secure_version\":0,\"chip\":\"esp32\"}")]
    [InlineData("{\"url\":\"//127.0.0.2:9/fw\",\"size\":100,\"sha256\":\"SHA\",\"project\":\"p\",\"version\":\"2\",\"secure_version\":0,\"chip\":\"esp32\"}")]
    [InlineData("{\"url\":\"http://[::1\",\"size\":100,\"sha256\":\"SHA\",\"project\":\"p\",\"version\":\"2\",\"secure_version\":0,\"chip\":\"esp32\"}")]
    public async Task CheckAsync_InvalidOffer_ThrowsInvalidResponse(string body)
    {
        await using var server = await HostileServer.StartAsync(body.Replace("SHA", GoodSha, StringComparison.Ordinal));
        using var http = new HttpClient { BaseAddress = server.BaseAddress };

        var e = await Assert.ThrowsAsync<EspException>(() => new HttpOtaClient(http).CheckAsync(Request));

        Assert.Equal(EspError.InvalidResponse, e.Code);
    }

    [Theory]
    [InlineData("http://127.0.0.2:9/fw", "SHA")]
    [InlineData("//127.0.0.2:9/fw", "SHA")]
    [InlineData("file:///etc/passwd", "SHA")]
    [InlineData("http://[::1", "SHA")]
    [InlineData("fw", "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\"")]
    [InlineData("fw", null)]
    [InlineData(null, "SHA")]
    public async Task InstallAsync_InvalidOffer_ThrowsInvalidResponseAndErasesNothing(string? url, string? sha256)
    {
        var image = TestFirmware.Build(Project, "2.0.0");
        await using var server = await HostileServer.StartAsync(null, image);
        using var http = new HttpClient { BaseAddress = server.BaseAddress };
        var client = new HttpOtaClient(http, new HttpOtaClientOptions { MaxRetries = 0 });
        var flash = NewFlash(TestFirmware.Build(Project, "1.0.0"));
        var device = BootDevice(flash);
        var before = Snapshot(flash);
        var offer = new UpdateOffer(url!, image.Length, sha256 == "SHA" ? Sha256Of(image) : sha256!, Project, "2.0.0", 0, "esp32");

        var e = await Assert.ThrowsAsync<EspException>(() => client.InstallAsync(device, Chip.Esp32, offer));

        Assert.Equal(EspError.InvalidResponse, e.Code);
        Assert.Equal(before, Snapshot(flash));
        Assert.DoesNotContain("/fw", server.Requests);
    }

    [Fact]
    public async Task InstallAsync_ServerIgnoresRange_StreamsTheWholeBodyFromOneRequest()
    {
        var image = TestFirmware.Build(Project, "2.0.0", payload: 200_000);
        await using var server = await HostileServer.StartAsync(null, image);
        using var http = new HttpClient { BaseAddress = server.BaseAddress };
        var device = BootDevice(NewFlash(TestFirmware.Build(Project, "1.0.0")));
        var offer = new UpdateOffer("fw", image.Length, Sha256Of(image), Project, "2.0.0", 0, "esp32");

        var result = await new HttpOtaClient(http).InstallAsync(device, Chip.Esp32, offer);

        Assert.Equal(("ota_0", "2.0.0", 1), (result.Partition.Label, result.App.Version, result.Requests));
        Assert.Equal(image.Length, result.BytesDownloaded);
        Assert.Equal("ota_0", device.Ota.GetBootPartition()!.Label);
        Assert.Single(server.Requests, "/fw");
    }

    [Fact]
    public async Task InstallAsync_ResumeAndServerIgnoresRange_RefusesImageChangedAfterErase()
    {
        var image = TestFirmware.Build(Project, "2.0.0", payload: 50_000);
        await using var server = await HostileServer.StartAsync(null, image);
        using var http = new HttpClient { BaseAddress = server.BaseAddress };
        var v1 = TestFirmware.Build(Project, "1.0.0");
        var flash = NewFlash(v1);
        var device = BootDevice(flash);
        var ota0 = SimulatedDeviceFlash.Layout(v1.Length, SlotSize).Partitions.Single(p => p.Label == "ota_0");
        // A previous run wrote the header before it was cut off.
        flash.Erase(ota0.Offset, ota0.Size);
        flash.Write(ota0.Offset, image.AsSpan(0, HttpOtaClientOptions.HeaderSize));
        var checkpoints = new MemoryOtaCheckpointStore();
        checkpoints.Save(new OtaCheckpoint(Sha256Of(image), "ota_0", HttpOtaClientOptions.HeaderSize));
        var offer = new UpdateOffer("fw", image.Length, Sha256Of(image), Project, "2.0.0", 0, "esp32");

        var e = await Assert.ThrowsAsync<HttpOtaRefusedException>(() => new HttpOtaClient(http).InstallAsync(device, Chip.Esp32, offer, checkpoints));

        Assert.Equal((HttpOtaRefusal.ImageChanged, false), (e.Refusal, e.BeforeErase));
        Assert.Equal("factory", device.Ota.GetBootPartition()!.Label);
    }

    [Fact]
    public async Task InstallAsync_CheckpointForAnErasedSlot_StartsAgainInsteadOfResuming()
    {
        await using var server = await OtaTestServer.StartAsync();
        var image = TestFirmware.Build(Project, "2.0.0", payload: 100_000);
        var offer = await UploadAsync(server, image);
        var device = BootDevice(NewFlash(TestFirmware.Build(Project, "1.0.0")));
        var checkpoints = new MemoryOtaCheckpointStore();
        // A checkpoint that claims half the image is in ota_0, which is still erased.
        checkpoints.Save(new OtaCheckpoint(offer.Sha256, "ota_0", image.Length / 2));

        var result = await new HttpOtaClient(server.Device).InstallAsync(device, Chip.Esp32, offer, checkpoints);

        Assert.Null(result.ResumedFrom);
        Assert.Equal(("ota_0", "2.0.0"), (device.Ota.GetBootPartition()!.Label, result.App.Version));
    }

    [Fact]
    public async Task RunCycle_NothingBootable_ReportsFailedInsteadOfThrowing()
    {
        await using var server = await HostileServer.StartAsync(null);
        using var http = new HttpClient { BaseAddress = server.BaseAddress };
        var blank = new byte[4096];
        Array.Fill(blank, (byte)0xFF);
        var device = new SimulatedDevice("dev-1", Chip.Esp32, MemoryFlash.FromImage(SimulatedDeviceFlash.Build(blank, SlotSize)), new HttpOtaClient(http));

        var result = await device.RunCycleAsync();

        Assert.Equal(DeviceCycleOutcome.Failed, result.Outcome);
        Assert.Equal(EspError.NotFound, Assert.IsType<EspException>(result.Error).Code);
        Assert.Equal(DeviceReportKind.Failed, device.Timeline[^1].Kind);
    }

    [Fact]
    public async Task RunCycle_SelfTestFailsWithNothingToRollBackTo_ReportsFailedAndKeepsRunning()
    {
        await using var server = await OtaTestServer.StartAsync();
        await UploadAsync(server, TestFirmware.Build(Project, "2.0.0"));
        var v1 = TestFirmware.Build(Project, "1.0.0");
        var flash = NewFlash(v1);
        var factory = SimulatedDeviceFlash.Layout(v1.Length, SlotSize).Partitions.Single(p => p.Label == "factory");
        var device = new SimulatedDevice("dev-1", Chip.Esp32, flash, new HttpOtaClient(server.Device), new SimulatedDeviceOptions
        {
            SelfTest = _ =>
            {
                // The old app is gone by the time the new one fails its self-test: esp_ota_mark_app_invalid_rollback_and_reboot fails.
                flash.Erase(factory.Offset, factory.Size);
                return SelfTestOutcome.Fail;
            },
        });

        var result = await device.RunCycleAsync();

        Assert.Equal(DeviceCycleOutcome.Failed, result.Outcome);
        Assert.Equal(EspError.OtaRollbackFailed, Assert.IsType<EspException>(result.Error).Code);
        Assert.Equal("2.0.0", result.RunningVersion);
        Assert.Equal(DeviceReportKind.Failed, device.Timeline[^1].Kind);
    }

    private static string Sha256Of(byte[] image) => Convert.ToHexStringLower(SHA256.HashData(image));

    private static byte[] Snapshot(IFlash flash)
    {
        var bytes = new byte[flash.Size];
        flash.Read(0, bytes);
        return bytes;
    }
}
