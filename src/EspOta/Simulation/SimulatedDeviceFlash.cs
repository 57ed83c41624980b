using EspOta.Layout;
using EspOta.Partitions;

namespace EspOta.Simulation;

/// <summary>
/// Flash images for simulated devices: the <see cref="FlashLayout.FactoryAndTwoOta"/> table at 0x8000
/// (nvs, otadata, phy_init, factory, ota_0, ota_1, slot sizes to fit the images), erased otadata, and
/// the factory app.
/// </summary>
public static class SimulatedDeviceFlash
{
    /// <summary>The partition table of a device whose factory slot holds <paramref name="factorySize"/> bytes and OTA slots <paramref name="otaSlotSize"/> bytes.</summary>
    public static PartitionTable Layout(long factorySize, long otaSlotSize)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(factorySize);
        return FlashLayout.FactoryAndTwoOta(factorySize, otaSlotSize);
    }

    /// <summary>
    /// The bytes of a whole flash chip: erased (0xFF) except the partition table and
    /// <paramref name="factoryImage"/> in the factory partition; sized to the end of the last partition.
    /// </summary>
    public static byte[] Build(ReadOnlySpan<byte> factoryImage, long otaSlotSize) =>
        FlashImage.Compose(Layout(factoryImage.Length, otaSlotSize), null, [("factory", factoryImage.ToArray())]).ToArray();
}
