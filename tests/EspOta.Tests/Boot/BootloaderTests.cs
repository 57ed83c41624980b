using EspOta.Images;
using EspOta.Boot;
using EspOta.OtaData;
using EspOta.Partitions;
using EspOta.Tests.Device;

namespace EspOta.Tests.Boot;

public sealed class BootloaderTests
{
    [Fact]
    public void Boot_CorruptPartitionTableMd5_ResetsWithInvalidIndex()
    {
        var flash = TestDevices.Flash(TestDevices.Layout(factory: true, slots: 2), ("factory", TestDevices.App("factory")));
        flash.Write(PartitionTable.DefaultOffset + 6 * 32 + 16, [0x00]);

        var result = new Bootloader(flash, new BootOptions(), FakeImageValidator.Instance).Boot();

        Assert.True(result.IsReset);
        Assert.Equal(BootResult.InvalidIndex, result.SelectedIndex);
        Assert.Contains(result.Steps, s => s.Contains("partition table", StringComparison.Ordinal));
        Assert.Equal([BootStepReason.PartitionTableInvalid], result.Trace.Select(s => s.Reason));
    }

    [Fact]
    public void Boot_SecondRunOfTheSameBootloader_IsRefused()
    {
        var flash = TestDevices.Flash(TestDevices.Layout(factory: true, slots: 2), ("factory", TestDevices.App("factory")));
        var bootloader = new Bootloader(flash, new BootOptions(), FakeImageValidator.Instance);
        bootloader.Boot();

        Assert.Throws<InvalidOperationException>(() => bootloader.Boot());
    }

    [Fact]
    public void Boot_FreshBootloaderEachReset_SameSlotCountAndTrace()
    {
        // A bootloader reused for a second boot used to count the OTA slots twice ("4 OTA app slot(s)").
        var flash = TestDevices.Flash(TestDevices.Layout(factory: true, slots: 2), ("factory", TestDevices.App("factory")));
        var device = EspOta.Device.EspDevice.Open(flash, validator: FakeImageValidator.Instance);
        var first = device.Reboot();
        var second = device.Reboot();

        var table = Assert.Single(second.Trace, s => s.Reason == BootStepReason.PartitionTableRead);
        Assert.Contains("2 OTA app slot(s)", table.Text, StringComparison.Ordinal);
        Assert.Equal(first.Trace, second.Trace);
        Assert.Equal(BootStepReason.ImageLoaded, second.Trace[^1].Reason);
    }

    [Fact]
    public void Boot_NoFactoryErasedOtadata_BootsOta0AndWritesInitialSequence()
    {
        var table = TestDevices.Layout(factory: false, slots: 2);
        var flash = TestDevices.Flash(table, ("ota_0", TestDevices.App("first")));

        var result = new Bootloader(flash, new BootOptions(), EspImageValidator.Default).Boot();

        Assert.Equal("ota_0", result.Booted!.Label);
        Assert.Equal(0, result.SelectedIndex);
        var otadata = new OtaDataPartition(flash, table.FindFirst(label: "otadata")!);
        Assert.Equal(OtaSelectEntry.Create(1, OtaImageState.Valid), otadata.Read(0));
    }

    [Fact]
    public void Boot_SelectedSlotCorrupt_FallsBackDownThenUp()
    {
        var table = TestDevices.Layout(factory: false, slots: 3);
        var flash = TestDevices.Flash(table, ("ota_2", TestDevices.App("third")));
        var otadata = new OtaDataPartition(flash, table.FindFirst(label: "otadata")!);
        otadata.Write(0, OtaSelectEntry.Create(2, OtaImageState.Valid));

        var result = new Bootloader(flash, new BootOptions(), EspImageValidator.Default).Boot();

        // Start at slot 1, try 1, 0 (no factory: index -1 is empty), then 2.
        Assert.Equal(1, result.SelectedIndex);
        Assert.Equal("ota_2", result.Booted!.Label);
        Assert.Equal(2, result.BootedIndex);
    }
}
