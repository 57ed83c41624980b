using EspOta.Partitions;

using EspOta.Http;

namespace EspOta.Simulation;

/// <summary>
/// Flash images for simulated devices: the partition table at 0x8000 (nvs, otadata, phy_init,
/// factory, ota_0, ota_1 — the layout of ESP-IDF's <c>partitions_two_ota.csv</c>, with slot sizes
/// to fit the images), erased otadata, and the factory app.
/// </summary>
public static class SimulatedDeviceFlash
{
    /// <summary>Alignment of app partitions (<c>gen_esp32part.py</c>).</summary>
    private const uint AppAlignment = PartitionTable.AppAlignment;

    /// <summary>The partition table of a device whose factory slot holds <paramref name="factorySize"/> bytes and OTA slots <paramref name="otaSlotSize"/> bytes.</summary>
    public static PartitionTable Layout(long factorySize, long otaSlotSize)
    {
        uint factory = AlignUp(factorySize);
        uint slot = AlignUp(otaSlotSize);
        const uint nvs = 0x9000;
        const uint nvsSize = 0x4000;
        const uint otadata = nvs + nvsSize;
        const uint otadataSize = 0x2000;
        const uint phy = otadata + otadataSize;
        const uint phySize = 0x1000;
        const uint factoryOffset = phy + phySize;
        uint ota0 = factoryOffset + factory;
        uint ota1 = ota0 + slot;
        return new PartitionTable(
        [
            new Partition("nvs", PartitionType.Data, PartitionSubtypes.DataNvs, nvs, nvsSize),
            new Partition("otadata", PartitionType.Data, PartitionSubtypes.DataOta, otadata, otadataSize),
            new Partition("phy_init", PartitionType.Data, PartitionSubtypes.DataPhy, phy, phySize),
            new Partition("factory", PartitionType.App, PartitionSubtypes.AppFactory, factoryOffset, factory),
            new Partition("ota_0", PartitionType.App, PartitionSubtypes.AppOtaMin, ota0, slot),
            new Partition("ota_1", PartitionType.App, (byte)(PartitionSubtypes.AppOtaMin + 1), ota1, slot),
        ]);
    }

    /// <summary>
    /// The bytes of a whole flash chip: erased (0xFF) except the partition table and
    /// <paramref name="factoryImage"/> in the factory partition; sized to the end of the last partition.
    /// </summary>
    public static byte[] Build(ReadOnlySpan<byte> factoryImage, long otaSlotSize)
    {
        var table = Layout(factoryImage.Length, otaSlotSize);
        var factory = table.FindFirst(PartitionType.App, PartitionSubtypes.AppFactory)!;
        long size = table.Partitions.Max(p => p.End);
        var flash = new byte[size];
        flash.AsSpan().Fill(0xFF);
        table.ToBinary().CopyTo(flash.AsSpan((int)PartitionTable.DefaultOffset));
        factoryImage.CopyTo(flash.AsSpan((int)factory.Offset));
        return flash;
    }

    private static uint AlignUp(long value)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(value);
        long aligned = (value + AppAlignment - 1) / AppAlignment * AppAlignment;
        return checked((uint)aligned);
    }
}
