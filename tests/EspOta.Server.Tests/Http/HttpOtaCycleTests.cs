using System.Net;
using System.Net.Http.Json;
using EspOta.Boot;
using EspOta.Device;
using EspOta.Flash;
using EspOta.Http;
using EspOta.Simulation;
using EspOta.Images;
using EspOta.Partitions;
using EspOta.Server.Devices;
using EspOta.Server.Firmware;

using static EspOta.Server.Tests.Http.HttpTestDevices;

namespace EspOta.Server.Tests.Http;

public sealed class HttpOtaCycleTests
{
    private const string Project = "cycle-app";

    [Fact]
    public async Task RunCycle_V1ToV2_ConfirmsV2AndReportsEveryStep()
    {
        await using var server = await OtaTestServer.StartAsync();
        await UploadAsync(server, TestFirmware.Build(Project, "2.0.0", payload: 200_000));
        var device = NewDevice(server.Device, "dev-1", TestFirmware.Build(Project, "1.0.0"));

        var result = await device.RunCycleAsync();

        Assert.Equal(DeviceCycleOutcome.Updated, result.Outcome);
        Assert.Equal("2.0.0", device.RunningApp!.Version);
        Assert.Equal("ota_0", device.Device.RunningPartition!.Label);
        var details = await server.Admin.GetFromJsonAsync<DeviceDetails>("/api/devices/dev-1");
        Assert.Equal(
            [DeviceReportKind.Booted, DeviceReportKind.Checking, DeviceReportKind.Downloading, DeviceReportKind.Written, DeviceReportKind.Rebooting, DeviceReportKind.Booted, DeviceReportKind.Confirmed],
            details!.History.Select(e => e.Kind));
        Assert.Equal("2.0.0", details.Device.Version);

        var again = await device.RunCycleAsync();
        Assert.Equal(DeviceCycleOutcome.UpToDate, again.Outcome);
    }

    [Fact]
    public async Task RunCycle_AppBootedByFallbackWithoutOtadataEntry_UpdatesToTheOtherSlot()
    {
        await using var server = await OtaTestServer.StartAsync();
        await UploadAsync(server, TestFirmware.Build(Project, "2.0.0"));
        var v1 = TestFirmware.Build(Project, "1.0.0");
        var table = SimulatedDeviceFlash.Layout(v1.Length, SlotSize);
        var flash = NewFlash(v1);
        var factory = table.Partitions.Single(p => p.Label == "factory");
        flash.Erase(factory.Offset, factory.Size); // no factory app: the bootloader falls back to ota_0
        flash.Write(table.Partitions.Single(p => p.Label == "ota_0").Offset, v1);
        var device = new SimulatedDevice("dev-1", Chip.Esp32, flash, new HttpOtaClient(server.Device));

        var result = await device.RunCycleAsync();

        Assert.Equal(DeviceCycleOutcome.Updated, result.Outcome);
        Assert.Equal(("ota_1", "2.0.0"), (device.Device.RunningPartition!.Label, device.RunningApp!.Version));
    }

    [Fact]
    public async Task RunCycle_SelfTestFails_RollsBackAndServerStopsOffering()
    {
        await using var server = await OtaTestServer.StartAsync();
        await UploadAsync(server, TestFirmware.Build(Project, "2.0.0"));
        var device = NewDevice(server.Device, "dev-1", TestFirmware.Build(Project, "1.0.0"), _ => SelfTestOutcome.Fail);

        var result = await device.RunCycleAsync();
        var next = await device.RunCycleAsync();

        Assert.Equal(DeviceCycleOutcome.RolledBack, result.Outcome);
        Assert.Equal("1.0.0", device.RunningApp!.Version);
        Assert.Equal("factory", device.Device.RunningPartition!.Label);
        Assert.Equal(DeviceCycleOutcome.UpToDate, next.Outcome);
    }

    [Fact]
    public async Task RunCycle_SelfTestHangs_WatchdogRollsBack()
    {
        await using var server = await OtaTestServer.StartAsync();
        await UploadAsync(server, TestFirmware.Build(Project, "2.0.0"));
        var device = NewDevice(server.Device, "dev-1", TestFirmware.Build(Project, "1.0.0"), _ => SelfTestOutcome.Hang);

        var result = await device.RunCycleAsync();

        Assert.Equal(DeviceCycleOutcome.RolledBack, result.Outcome);
        Assert.Equal("1.0.0", device.RunningApp!.Version);
    }

    [Fact]
    public async Task Install_ConnectionCutHalfway_ResumesAndWritesEachByteOnce()
    {
        await using var server = await OtaTestServer.StartAsync();
        var v2 = TestFirmware.Build(Project, "2.0.0", payload: 300_000);
        var offer = await UploadAsync(server, v2);
        await using var proxy = new DroppingProxy(server.BaseAddress, cutAfterResponseBytes: v2.Length / 2);
        using var http = new HttpClient { BaseAddress = proxy.BaseAddress };
        var client = new HttpOtaClient(http, new HttpOtaClientOptions { RequestSize = 1 << 20 });
        var (device, counter) = BootCounted(TestFirmware.Build(Project, "1.0.0"), "ota_0");

        var result = await client.InstallAsync(device, Chip.Esp32, offer);

        Assert.Equal(1, proxy.Drops);
        Assert.True(result.Retries >= 1, $"retries {result.Retries}");
        Assert.Equal(v2.Length, counter.BytesWritten);
        Assert.Equal(v2.Length, result.BytesDownloaded);
        Assert.Equal("ota_0", device.Ota.GetBootPartition()!.Label);
        device.Reboot();
        Assert.Equal("2.0.0", device.LastBoot!.App!.Version);
    }

    [Fact]
    public async Task Install_ConnectionHangsHalfway_TimesOutRetriesAndCompletes()
    {
        await using var server = await OtaTestServer.StartAsync();
        var v2 = TestFirmware.Build(Project, "2.0.0", payload: 300_000);
        var offer = await UploadAsync(server, v2);
        await using var proxy = new DroppingProxy(server.BaseAddress, cutAfterResponseBytes: v2.Length / 2, stall: true);
        using var http = new HttpClient { BaseAddress = proxy.BaseAddress };
        var client = new HttpOtaClient(http, new HttpOtaClientOptions { RequestSize = 1 << 20, RequestTimeout = TimeSpan.FromSeconds(1) });
        var (device, counter) = BootCounted(TestFirmware.Build(Project, "1.0.0"), "ota_0");

        var result = await client.InstallAsync(device, Chip.Esp32, offer);

        Assert.Equal(1, proxy.Drops);
        Assert.Equal(1, result.Retries);
        Assert.Equal(v2.Length, counter.BytesWritten);
    }

    [Fact]
    public async Task Install_ServerUnreachable_GivesUpAfterTheRetries()
    {
        var image = TestFirmware.Build(Project, "2.0.0");
        using var http = new HttpClient { BaseAddress = new Uri("http://127.0.0.1:9/") };
        var client = new HttpOtaClient(http, new HttpOtaClientOptions { MaxRetries = 2, RetryDelay = TimeSpan.Zero });
        var flash = NewFlash(TestFirmware.Build(Project, "1.0.0"));
        var device = BootDevice(flash);
        var before = Snapshot(flash);
        var offer = new UpdateOffer("/api/updates/firmware/" + new string('a', 64), image.Length, new string('a', 64), Project, "2.0.0", 0, "esp32");

        var e = await Assert.ThrowsAsync<EspException>(() => client.InstallAsync(device, Chip.Esp32, offer));

        Assert.Equal(EspError.HttpConnect, e.Code);
        Assert.Equal(before, Snapshot(flash));
    }

    [Fact]
    public async Task Install_AfterRebootMidDownload_ResumesFromTheCheckpoint()
    {
        await using var server = await OtaTestServer.StartAsync();
        var v2 = TestFirmware.Build(Project, "2.0.0", payload: 300_000);
        var offer = await UploadAsync(server, v2);
        await using var proxy = new DroppingProxy(server.BaseAddress, cutAfterResponseBytes: v2.Length / 2);
        using var http = new HttpClient { BaseAddress = proxy.BaseAddress };
        var options = new HttpOtaClientOptions { RequestSize = 1 << 20, MaxRetries = 0 };
        var checkpoints = new MemoryOtaCheckpointStore();
        var (device, counter) = BootCounted(TestFirmware.Build(Project, "1.0.0"), "ota_0");

        var failure = await Assert.ThrowsAsync<EspException>(() => new HttpOtaClient(http, options).InstallAsync(device, Chip.Esp32, offer, checkpoints));
        device.Reboot();
        long saved = checkpoints.Load()!.BytesWritten;
        var result = await new HttpOtaClient(http, options).InstallAsync(device, Chip.Esp32, offer, checkpoints);

        Assert.Equal(EspError.HttpConnectionClosed, failure.Code);
        Assert.Equal(saved, result.ResumedFrom);
        Assert.InRange(saved, HttpOtaClientOptions.HeaderSize, v2.Length - 1);
        Assert.Equal(v2.Length, counter.BytesWritten);
        Assert.Null(checkpoints.Load());
        device.Reboot();
        Assert.Equal("2.0.0", device.LastBoot!.App!.Version);
    }

    [Theory]
    [InlineData(1000L)] // inside the header: nothing to resume from, the download starts again
    [InlineData(4096L)] // exactly at a sector boundary
    [InlineData(150_017L)] // in the middle of a write
    public async Task Install_PowerCutMidDownload_RebootsIntoOldAppThenResumesToTheNewOne(long budget)
    {
        await using var server = await OtaTestServer.StartAsync();
        var v2 = TestFirmware.Build(Project, "2.0.0", payload: 300_000);
        var offer = await UploadAsync(server, v2);
        var v1 = TestFirmware.Build(Project, "1.0.0");
        var ota0 = SimulatedDeviceFlash.Layout(v1.Length, SlotSize).Partitions.Single(p => p.Label == "ota_0");
        var flash = new FaultInjectingFlash(NewFlash(v1));
        var device = BootDevice(flash);
        var checkpoints = new MemoryOtaCheckpointStore();
        flash.Arm(FaultPlan.AfterBytesWritten(budget, ota0.Offset, ota0.Size));

        await Assert.ThrowsAsync<PowerLossException>(() => new HttpOtaClient(server.Device).InstallAsync(device, Chip.Esp32, offer, checkpoints));
        flash.PowerOn();
        Assert.Equal("1.0.0", device.Reboot().App!.Version);
        long? saved = checkpoints.Load()?.BytesWritten;
        var result = await new HttpOtaClient(server.Device).InstallAsync(device, Chip.Esp32, offer, checkpoints);

        Assert.Equal(saved >= HttpOtaClientOptions.HeaderSize ? saved : null, result.ResumedFrom);
        Assert.Equal("2.0.0", device.Reboot().App!.Version);
    }

    [Fact]
    public async Task Install_Sha256Mismatch_LeavesOldAppAndBootPartition()
    {
        await using var server = await OtaTestServer.StartAsync();
        var offer = await UploadAsync(server, TestFirmware.Build(Project, "2.0.0", seed: 1));
        // The stored file is replaced behind the server's back by another valid v2 of the same length.
        var other = TestFirmware.Build(Project, "2.0.0", seed: 2);
        File.WriteAllBytes(Path.Combine(server.DataDirectory, "images", offer.Sha256 + ".bin"), other);
        var device = BootNew(TestFirmware.Build(Project, "1.0.0"));
        var bootBefore = device.Ota.GetBootPartition();

        var refused = await Assert.ThrowsAsync<HttpOtaRefusedException>(() => new HttpOtaClient(server.Device).InstallAsync(device, Chip.Esp32, offer));

        Assert.Equal(HttpOtaRefusal.Sha256Mismatch, refused.Refusal);
        Assert.Equal(bootBefore, device.Ota.GetBootPartition());
        device.Reboot();
        Assert.Equal("1.0.0", device.LastBoot!.App!.Version);
        Assert.Equal("factory", device.RunningPartition!.Label);
    }

    [Fact]
    public async Task Install_ImageCorruptedOnServer_EndFailsAndTheCheckpointIsDropped()
    {
        await using var server = await OtaTestServer.StartAsync();
        var image = TestFirmware.Build(Project, "2.0.0", payload: 100_000);
        var offer = await UploadAsync(server, image);
        image[50_000] ^= 0xFF; // segment data: the checksum and the appended SHA-256 no longer match
        File.WriteAllBytes(Path.Combine(server.DataDirectory, "images", offer.Sha256 + ".bin"), image);
        var device = BootNew(TestFirmware.Build(Project, "1.0.0"));
        var checkpoints = new MemoryOtaCheckpointStore();
        var bootBefore = device.Ota.GetBootPartition();

        var e = await Assert.ThrowsAsync<EspException>(() => new HttpOtaClient(server.Device).InstallAsync(device, Chip.Esp32, offer, checkpoints));

        Assert.Equal(EspError.OtaValidateFailed, e.Code);
        Assert.IsNotType<HttpOtaRefusedException>(e);
        Assert.Null(checkpoints.Load());
        Assert.Equal(bootBefore, device.Ota.GetBootPartition());
    }

    [Fact]
    public async Task Install_WrongChip_RefusedBeforeAnyErase()
    {
        await using var server = await OtaTestServer.StartAsync();
        var offer = await UploadAsync(server, TestFirmware.Build(Project, "2.0.0", chip: Chip.Esp32C3));
        var flash = NewFlash(TestFirmware.Build(Project, "1.0.0"));
        var device = BootDevice(flash);
        var before = Snapshot(flash);

        var refused = await Assert.ThrowsAsync<HttpOtaRefusedException>(() => new HttpOtaClient(server.Device).InstallAsync(device, Chip.Esp32, offer));

        Assert.Equal(HttpOtaRefusal.WrongChip, refused.Refusal);
        Assert.Equal(EspError.InvalidVersion, refused.Code);
        Assert.True(refused.BeforeErase);
        Assert.Equal(before, Snapshot(flash));
    }

    [Fact]
    public async Task Install_OlderSecureVersion_RefusedBeforeAnyErase()
    {
        await using var server = await OtaTestServer.StartAsync();
        var offer = await UploadAsync(server, TestFirmware.Build(Project, "2.0.0", secureVersion: 1));
        var flash = NewFlash(TestFirmware.Build(Project, "1.0.0", secureVersion: 2));
        var device = BootDevice(flash, new BootOptions { Rollback = true, AntiRollback = true }, new Efuse(new EfuseSecureVersion(2)));
        var before = Snapshot(flash);

        var refused = await Assert.ThrowsAsync<HttpOtaRefusedException>(() => new HttpOtaClient(server.Device).InstallAsync(device, Chip.Esp32, offer));

        Assert.Equal(HttpOtaRefusal.SecureVersionTooLow, refused.Refusal);
        Assert.Equal(EspError.OtaSmallSecVer, refused.Code);
        Assert.Equal(before, Snapshot(flash));
    }

    [Fact]
    public async Task Install_SameVersionAsRunning_RefusedBeforeAnyErase()
    {
        await using var server = await OtaTestServer.StartAsync();
        var image = TestFirmware.Build(Project, "1.0.0");
        var offer = await UploadAsync(server, image);
        var flash = NewFlash(image);
        var device = BootDevice(flash);
        var before = Snapshot(flash);

        var refused = await Assert.ThrowsAsync<HttpOtaRefusedException>(() => new HttpOtaClient(server.Device).InstallAsync(device, Chip.Esp32, offer));

        Assert.Equal(HttpOtaRefusal.SameVersion, refused.Refusal);
        Assert.Equal(before, Snapshot(flash));
    }

    [Fact]
    public async Task RunCycle_FiftyDevicesAtOnce_AllConfirmV2()
    {
        await using var server = await OtaTestServer.StartAsync();
        await UploadAsync(server, TestFirmware.Build(Project, "2.0.0", payload: 100_000));
        var v1 = TestFirmware.Build(Project, "1.0.0");
        var devices = Enumerable.Range(0, 50).Select(i => NewDevice(server.Device, $"fleet-{i:d3}", v1)).ToArray();

        var results = await Task.WhenAll(devices.Select(d => Task.Run(() => d.RunCycleAsync())));

        Assert.All(results, r => Assert.Equal(DeviceCycleOutcome.Updated, r.Outcome));
        var listed = await server.Admin.GetFromJsonAsync<DeviceSummary[]>("/api/devices");
        Assert.Equal(50, listed!.Length);
        Assert.All(listed, d => Assert.Equal((DeviceReportKind.Confirmed, "2.0.0"), (d.State!.Value, d.Version)));
    }

    private static EspDevice BootNew(byte[] factory) => BootDevice(NewFlash(factory));

    private static (EspDevice Device, PartitionWriteCounter Counter) BootCounted(byte[] factory, string label)
    {
        var table = SimulatedDeviceFlash.Layout(factory.Length, SlotSize);
        var counter = new PartitionWriteCounter(NewFlash(factory), table.Partitions.Single(p => p.Label == label));
        return (BootDevice(counter), counter);
    }

    private static SimulatedDevice NewDevice(HttpClient http, string id, byte[] factory, Func<AppDescription, SelfTestOutcome>? selfTest = null) =>
        new(id, Chip.Esp32, NewFlash(factory), new HttpOtaClient(http), new SimulatedDeviceOptions { SelfTest = selfTest ?? (_ => SelfTestOutcome.Pass) });

    private static byte[] Snapshot(IFlash flash)
    {
        var bytes = new byte[flash.Size];
        flash.Read(0, bytes);
        return bytes;
    }
}
