using EspOta.Device;
using EspOta.Images;
using EspOta.OtaData;
using EspOta.Tests.Boot;
using EspOta.Tests.Device;

namespace EspOta.Tests.OtaData;

public sealed class OtaSelectionTests
{
    [Fact]
    public void BootPartition_ErasedOtadata_IsFactory_ThenFollowsSetBootPartition()
    {
        var table = TestDevices.Layout(factory: true, slots: 3);
        var flash = TestDevices.Flash(table, ("factory", TestDevices.App("f")), ("ota_1", TestDevices.App("v1")));
        var selection = new OtaSelection(flash, table);
        Assert.Equal("factory", selection.BootPartition()!.Label);
        Assert.Null(selection.ActiveSelection());
        Assert.Equal(3, selection.AppPartitionCount);
        Assert.Equal(3, selection.TableSlotCount);

        var device = EspDevice.Open(flash, validator: EspImageValidator.Default);
        device.Reboot();
        device.Ota.SetBootPartition(device.Part("ota_1"));

        Assert.Equal("ota_1", selection.BootPartition()!.Label);
        Assert.Equal(device.Ota.GetBootPartition(), selection.BootPartition());
        var (active, slot, partition) = selection.ActiveSelection()!.Value;
        Assert.Equal(1, slot);
        Assert.Equal("ota_1", partition!.Label);
        Assert.True(selection.ReadEntries()[active].IsValid);
    }

    [Fact]
    public void DefaultBootPartition_NoFactory_IsOta0()
    {
        var table = TestDevices.Layout(factory: false, slots: 2);
        var selection = new OtaSelection(TestDevices.Flash(table), table);
        Assert.Equal("ota_0", selection.DefaultBootPartition()!.Label);
        Assert.Equal("ota_0", selection.BootPartition()!.Label);
    }
}
