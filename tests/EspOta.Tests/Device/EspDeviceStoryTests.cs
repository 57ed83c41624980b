using EspOta.Boot;
using EspOta.Device;
using EspOta.OtaData;
using EspOta.Updates;

namespace EspOta.Tests.Device;

/// <summary>Whole OTA stories on a simulated device with real app images.</summary>
public sealed class EspDeviceStoryTests
{
    private static void Ota(EspDevice device, byte[] image, int chunk = 4096)
    {
        var ota = device.Ota;
        var next = ota.GetNextUpdatePartition()!;
        using (OtaUpdate update = ota.Begin(next, OtaImageSize.Unknown))
        {
            for (int at = 0; at < image.Length; at += chunk)
            {
                update.Write(image.AsSpan(at, Math.Min(chunk, image.Length - at)));
            }

            update.End();
        }

        ota.SetBootPartition(next);
    }

    [Fact]
    public void FirstOta_FromFactory_BootsOta0()
    {
        var device = EspDevice.Open(TestDevices.Flash(TestDevices.Layout(factory: true, slots: 2), ("factory", TestDevices.App("factory"))));

        var first = device.Reboot();
        Assert.Equal("factory", first.Booted!.Label);
        Assert.Equal("factory", first.App!.Version);
        Assert.Equal("ota_0", device.Ota.GetNextUpdatePartition()!.Label);

        Ota(device, TestDevices.App("v1"));
        Assert.Equal("ota_0", device.Ota.GetBootPartition()!.Label);
        var second = device.Reboot();

        Assert.Equal("ota_0", second.Booted!.Label);
        Assert.Equal("v1", second.App!.Version);
        Assert.Equal(OtaImageState.Undefined, device.Ota.GetStatePartition(device.Part("ota_0")));
    }

    [Fact]
    public void RoundTrips_TwentyOtasWithRollback_AlternateSlotsAndStayValid()
    {
        var device = EspDevice.Open(
            TestDevices.Flash(TestDevices.Layout(factory: true, slots: 2), ("factory", TestDevices.App("factory"))),
            new BootOptions { Rollback = true });
        device.Reboot();

        for (int round = 1; round <= 20; round++)
        {
            string expected = round % 2 == 1 ? "ota_0" : "ota_1";
            Ota(device, TestDevices.App($"v{round}"));
            var boot = device.Reboot();

            Assert.Equal(expected, boot.Booted!.Label);
            Assert.Equal($"v{round}", boot.App!.Version);
            Assert.Equal(OtaImageState.PendingVerify, device.Ota.GetStatePartition(boot.Booted));
            device.Ota.MarkAppValidCancelRollback();
            Assert.Equal(OtaImageState.Valid, device.Ota.GetStatePartition(boot.Booted));
        }

        // 20 set_boot_partition calls: seq 1 .. 20 alternating copies; the last one sits in copy 1.
        var otadata = new OtaDataPartition(device.Flash, device.Part("otadata"));
        Assert.Equal(20u, otadata.Read(1).Sequence);
        Assert.Equal(19u, otadata.Read(0).Sequence);
    }

    [Fact]
    public void FailedSelfTest_MarkInvalidAndReboot_RollsBackToPreviousApp()
    {
        var device = EspDevice.Open(
            TestDevices.Flash(TestDevices.Layout(factory: false, slots: 2), ("ota_0", TestDevices.App("good"))),
            new BootOptions { Rollback = true });
        Assert.Equal("ota_0", device.Reboot().Booted!.Label);
        device.Ota.MarkAppValidCancelRollback();
        Ota(device, TestDevices.App("broken"));
        Assert.Equal("ota_1", device.Reboot().Booted!.Label);

        Assert.True(device.Ota.CheckRollbackIsPossible());
        var after = device.Ota.MarkAppInvalidRollbackAndReboot();

        Assert.Equal("ota_0", after.Booted!.Label);
        Assert.Equal("good", after.App!.Version);
        Assert.Equal("ota_1", device.Ota.GetLastInvalidPartition()!.Label);
        Assert.Equal(OtaImageState.Invalid, device.Ota.GetStatePartition(device.Part("ota_1")));
    }

    [Fact]
    public void NeverConfirmed_NextReboot_AbortsAndBootsPreviousApp()
    {
        var device = EspDevice.Open(
            TestDevices.Flash(TestDevices.Layout(factory: false, slots: 2), ("ota_0", TestDevices.App("good"))),
            new BootOptions { Rollback = true });
        device.Reboot();
        device.Ota.MarkAppValidCancelRollback();
        Ota(device, TestDevices.App("silent"));
        Assert.Equal("ota_1", device.Reboot().Booted!.Label);

        var boot = device.Reboot();

        Assert.Equal("ota_0", boot.Booted!.Label);
        Assert.Contains(boot.Steps, s => s.Contains("ABORTED", StringComparison.Ordinal));
        Assert.Contains(boot.Trace, s => s.Reason == BootStepReason.PendingVerifyAborted);
        Assert.Equal(OtaImageState.Aborted, device.Ota.GetStatePartition(device.Part("ota_1")));
        Assert.Equal("ota_1", device.Ota.GetLastInvalidPartition()!.Label);
    }

    [Fact]
    public void AntiRollback_OlderSecureVersion_RefusedAndErased()
    {
        var efuse = new EfuseSecureVersion();
        var device = EspDevice.Open(
            TestDevices.Flash(TestDevices.Layout(factory: false, slots: 2), ("ota_0", TestDevices.App("v2", secureVersion: 2))),
            new BootOptions { Rollback = true, AntiRollback = true },
            new Efuse(efuse));
        Assert.Equal("ota_0", device.Reboot().Booted!.Label);
        Assert.Equal(2u, efuse.Version);

        var ota = device.Ota;
        var next = ota.GetNextUpdatePartition()!;
        using (var update = ota.Begin(next, OtaImageSize.Unknown))
        {
            update.Write(TestDevices.App("v1", secureVersion: 1));
            update.End();
        }

        var error = Assert.Throws<EspException>(() => ota.SetBootPartition(next));

        Assert.Equal(EspError.OtaSmallSecVer, error.Code);
        Assert.False(device.Flash is EspOta.Flash.MemoryFlash m && m.Contents.Slice((int)next.Offset, (int)next.Size).ContainsAnyExcept((byte)0xFF));
        Assert.Equal("ota_0", device.Reboot().Booted!.Label);
        Assert.Equal(2u, efuse.Version);
    }

    [Fact]
    public void AntiRollback_NewerSecureVersion_ConfirmRaisesEfuse()
    {
        var efuse = new EfuseSecureVersion();
        var device = EspDevice.Open(
            TestDevices.Flash(TestDevices.Layout(factory: false, slots: 2), ("ota_0", TestDevices.App("v1", secureVersion: 1))),
            new BootOptions { Rollback = true, AntiRollback = true },
            new Efuse(efuse));
        device.Reboot();
        Ota(device, TestDevices.App("v3", secureVersion: 3));
        Assert.Equal("ota_1", device.Reboot().Booted!.Label);
        Assert.Equal(1u, efuse.Version);

        device.Ota.MarkAppValidCancelRollback();

        Assert.Equal(3u, efuse.Version);
        Assert.False(device.Ota.CheckRollbackIsPossible());
    }

    [Fact]
    public void Ota_NoAppRunning_ThrowsInvalidOperation()
    {
        var device = EspDevice.Open(TestDevices.Flash(TestDevices.Layout(factory: true, slots: 2)));

        Assert.Throws<InvalidOperationException>(() => device.Ota);
        Assert.True(device.Reboot().IsReset);
        Assert.Throws<InvalidOperationException>(() => device.Ota);
    }

    [Fact]
    public void Reboot_FactoryResetPinHeld_ErasesOtaDataAndDataPartitionsAndBootsFactory()
    {
        var flash = TestDevices.Flash(TestDevices.Layout(factory: true, slots: 2), ("factory", TestDevices.App("factory")));
        var device = EspDevice.Open(flash, new BootOptions { FactoryReset = true, FactoryResetErasesOtaData = true, FactoryResetDataPartitions = ["nvs"] });
        device.Reboot();
        Ota(device, TestDevices.App("v1"));
        Assert.Equal("ota_0", device.Reboot().Booted!.Label);
        flash.Write(0x9000, [0x00, 0x01]);

        var boot = device.Reboot(factoryResetPinHeld: true);

        Assert.Equal("factory", boot.Booted!.Label);
        Assert.False(flash.Contents.Slice(0x9000, 0x4000).ContainsAnyExcept((byte)0xFF));
        Assert.False(flash.Contents.Slice(0xD000, 0x2000).ContainsAnyExcept((byte)0xFF));
    }
}
