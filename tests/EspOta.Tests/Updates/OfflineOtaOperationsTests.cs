using EspOta.Boot;
using EspOta.Images;
using EspOta.Tests.Device;
using EspOta.Updates;

namespace EspOta.Tests.Updates;

/// <summary>The otatool-style OTA API over a flash image that runs nothing.</summary>
public sealed class OfflineOtaOperationsTests
{
    [Fact]
    public void Offline_SetBootPartition_WritesOtadataTheBootloaderFollows()
    {
        var table = TestDevices.Layout(factory: true, slots: 2);
        var flash = TestDevices.Flash(table, ("factory", TestDevices.App("f")), ("ota_1", TestDevices.App("b")));
        var ota = OtaOperations.Offline(flash, table, new BootOptions(), EspImageValidator.Default, new Efuse());

        ota.SetBootPartition(ota.Table.Partitions.Single(p => p.Label == "ota_1"));

        Assert.Equal("ota_1", ota.GetBootPartition()!.Label);
        Assert.Equal("ota_1", new Bootloader(flash, new BootOptions(), EspImageValidator.Default).Boot().Booted!.Label);
        Assert.Equal("ota_0", ota.GetNextUpdatePartition()!.Label);
    }

    [Fact]
    public void Offline_RunningAppCalls_ThrowInvalidOperation()
    {
        var table = TestDevices.Layout(factory: true, slots: 2);
        var ota = OtaOperations.Offline(TestDevices.Flash(table, ("factory", TestDevices.App("f"))), table, new BootOptions(), EspImageValidator.Default, new Efuse());

        Assert.Throws<InvalidOperationException>(() => ota.GetRunningPartition());
        Assert.Throws<InvalidOperationException>(() => ota.GetAppDescription());
    }
}
