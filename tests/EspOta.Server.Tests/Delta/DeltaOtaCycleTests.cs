using System.Net;
using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text.Json;
using EspOta.Boot;
using EspOta.Delta;
using EspOta.Device;
using EspOta.Flash;
using EspOta.Http;
using EspOta.Images;
using EspOta.Server.Firmware;
using EspOta.Server.Tests.Http;
using EspOta.Simulation;

using static EspOta.Server.Tests.Http.HttpTestDevices;

namespace EspOta.Server.Tests.Delta;

/// <summary>
/// Delta OTA end to end over real HTTP on 127.0.0.1: the server makes the patch, the device applies it
/// while it downloads (reading the running partition, never writing it), resumes after a dropped
/// connection and after a reboot, and falls back to the full image when the patch is bad.
/// </summary>
public sealed class DeltaOtaCycleTests
{
    private const string Project = "delta-cycle";

    // Same code, a new version and a grown tail: a patch of a few tens of KB for a 300 KB image.
    private static byte[] V1 => TestFirmware.Build(Project, "1.0.0", payload: 280_000, seed: 11);

    private static byte[] V2 => TestFirmware.Build(Project, "2.0.0", payload: 300_000, seed: 11);

    [Fact]
    public async Task RunCycle_V1ToV2_UpdatesByPatch()
    {
        await using var server = await OtaTestServer.StartAsync();
        var (offer, patch) = await PublishAsync(server);
        var device = new SimulatedDevice("dev-1", Chip.Esp32, NewFlash(V1), new HttpOtaClient(server.Device), new SimulatedDeviceOptions { SelfTest = _ => SelfTestOutcome.Pass });

        var result = await device.RunCycleAsync();

        Assert.Equal(DeviceCycleOutcome.Updated, result.Outcome);
        Assert.Equal("2.0.0", device.RunningApp!.Version);
        Assert.True(patch.Size < V2.Length / 4, $"patch {patch.Size} bytes for a {V2.Length}-byte image");
    }

    [Fact]
    public async Task Install_ByPatch_DownloadsOnlyThePatchAndNeverWritesTheBase()
    {
        await using var server = await OtaTestServer.StartAsync();
        var (offer, patch) = await PublishAsync(server);
        var (device, target, running) = BootCounted(V1);

        var result = await new HttpOtaClient(server.Device).InstallAsync(device, Chip.Esp32, offer);

        Assert.Null(result.PatchFailure);
        AssertInstalledV2ByPatch(result, patch, device, target, running);
    }

    [Fact]
    public async Task Install_ConnectionDroppedMidPatch_ResumesAndWritesEachByteOnce()
    {
        await using var server = await OtaTestServer.StartAsync();
        var (offer, patch) = await PublishAsync(server);
        await using var proxy = new DroppingProxy(server.BaseAddress, cutAfterResponseBytes: patch.Size / 2);
        using var http = new HttpClient { BaseAddress = proxy.BaseAddress };
        var (device, target, running) = BootCounted(V1);

        var result = await new HttpOtaClient(http, new HttpOtaClientOptions { RequestSize = 1 << 20 }).InstallAsync(device, Chip.Esp32, offer);

        Assert.Equal(1, proxy.Drops);
        Assert.True(result.Retries >= 1);
        AssertInstalledV2ByPatch(result, patch, device, target, running);
    }

    [Fact]
    public async Task Install_RebootMidPatch_ResumesFromTheCheckpoint()
    {
        await using var server = await OtaTestServer.StartAsync();
        var (offer, patch) = await PublishAsync(server);
        await using var proxy = new DroppingProxy(server.BaseAddress, cutAfterResponseBytes: patch.Size / 2);
        using var http = new HttpClient { BaseAddress = proxy.BaseAddress };
        var options = new HttpOtaClientOptions { RequestSize = 1 << 20, MaxRetries = 0 };
        var checkpoints = new MemoryOtaCheckpointStore();
        var (device, target, running) = BootCounted(V1);

        var failure = await Assert.ThrowsAsync<EspException>(() => new HttpOtaClient(http, options).InstallAsync(device, Chip.Esp32, offer, checkpoints));
        Assert.Equal(EspError.HttpConnectionClosed, failure.Code);
        device.Reboot();
        Assert.Equal("1.0.0", device.LastBoot!.App!.Version);
        var saved = checkpoints.Load()!;
        Assert.NotNull(saved.StageState);
        var result = await new HttpOtaClient(http, options).InstallAsync(device, Chip.Esp32, offer, checkpoints);

        Assert.Equal(saved.BytesWritten, result.ResumedFrom);
        Assert.NotNull(result.Patch);
        Assert.Equal(V2.Length, target.BytesWritten);
        Assert.Equal(0, running.Touches);
        Assert.Null(checkpoints.Load());
        device.Reboot();
        Assert.Equal("2.0.0", device.LastBoot!.App!.Version);
    }

    [Theory]
    [InlineData(10)] // inside the header's base SHA-256: refused before anything is erased
    [InlineData(-1)] // in the middle of the detools stream
    public async Task Install_CorruptedPatch_FallsBackToTheFullImage(int at)
    {
        await using var server = await OtaTestServer.StartAsync();
        var (offer, patch) = await PublishAsync(server);
        string path = Path.Combine(server.DataDirectory, "patches", patch.Sha256 + ".bin");
        var bytes = File.ReadAllBytes(path);
        bytes[at >= 0 ? at : bytes.Length / 2] ^= 0x5A;
        File.WriteAllBytes(path, bytes);
        var checkpoints = new MemoryOtaCheckpointStore();
        var (device, _, running) = BootCounted(V1);

        var result = await new HttpOtaClient(server.Device).InstallAsync(device, Chip.Esp32, offer, checkpoints);

        Assert.NotNull(result.PatchFailure);
        Assert.Null(result.Patch);
        Assert.Equal(0, running.Touches);
        Assert.Equal("ota_0", device.Ota.GetBootPartition()!.Label);
        device.Reboot();
        Assert.Equal("2.0.0", device.LastBoot!.App!.Version);
    }

    private static async Task<(UpdateOffer Offer, DeltaOffer Patch)> PublishAsync(OtaTestServer server)
    {
        foreach (var image in new[] { V1, V2 })
        {
            using var response = await server.UploadAsync(image);
            Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        }

        string target = Convert.ToHexStringLower(SHA256.HashData(V2));
        for (int i = 0; i < 600; i++)
        {
            var patches = await server.Admin.GetFromJsonAsync<JsonElement[]>($"/api/delta/patches?target={target}");
            if (patches!.Length > 0)
            {
                break;
            }

            await Task.Delay(50);
        }

        var running = Convert.ToHexStringLower(DeltaPatchCreator.ValidationHash(V1));
        using var check = await server.CheckAsync(new UpdateCheckRequest("dev-1", "esp32", Project, "1.0.0", 0) { RunningSha256 = running });
        var offer = (await check.Content.ReadFromJsonAsync<UpdateOffer>())!;
        Assert.NotNull(offer.Patch);
        return (offer, offer.Patch);
    }

    /// <summary>v2 came by patch: only the patch was downloaded, every image byte written once, the base never touched, v2 boots.</summary>
    private static void AssertInstalledV2ByPatch(HttpOtaResult result, DeltaOffer patch, EspDevice device, PartitionWriteCounter target, PartitionWriteCounter running)
    {
        Assert.NotNull(result.Patch);
        Assert.Equal(patch.Size, result.BytesDownloaded);
        Assert.Equal(V2.Length, target.BytesWritten);
        Assert.Equal(0, running.Touches);
        device.Reboot();
        Assert.Equal("2.0.0", device.LastBoot!.App!.Version);
    }

    private static (EspDevice Device, PartitionWriteCounter Target, PartitionWriteCounter Running) BootCounted(byte[] factory)
    {
        var table = SimulatedDeviceFlash.Layout(factory.Length, SlotSize);
        var running = new PartitionWriteCounter(NewFlash(factory), table.Partitions.Single(p => p.Label == "factory"));
        var target = new PartitionWriteCounter(running, table.Partitions.Single(p => p.Label == "ota_0"));
        var device = EspDevice.Open(target, new BootOptions { Rollback = true }, null, EspImageValidator.ForChip(Chip.Esp32));
        Assert.False(device.Reboot().IsReset);
        return (device, target, running);
    }
}
