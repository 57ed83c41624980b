using EspOta.Partitions;

namespace EspOta.Layout;

/// <summary>
/// Partition-table presets: nvs, otadata and phy_init as in ESP-IDF's <c>partitions_two_ota.csv</c>,
/// then an optional factory app and N OTA slots, each app partition 64 KiB aligned (<c>gen_esp32part.py</c>).
/// </summary>
public static class FlashLayout
{
    /// <summary>Where the first app partition starts (after nvs 0x9000+0x4000, otadata 0xD000+0x2000, phy_init 0xF000+0x1000).</summary>
    public const uint FirstAppOffset = 0x10000;

    /// <summary>
    /// A table with nvs, otadata, phy_init, then <c>factory</c> (when <paramref name="factorySize"/> is
    /// positive) and <c>ota_0</c>…<c>ota_{N-1}</c> of <paramref name="otaSlotSize"/> bytes each; sizes are
    /// rounded up to <see cref="PartitionTable.AppAlignment"/>.
    /// </summary>
    /// <param name="factorySize">Bytes for the factory app; 0 for none.</param>
    /// <param name="otaSlots">Number of OTA slots (0…16).</param>
    /// <param name="otaSlotSize">Bytes per OTA slot.</param>
    /// <param name="hasMd5">Whether the binary table ends with the MD5 row (gen_esp32part.py's default).</param>
    public static PartitionTable WithSlots(long factorySize, int otaSlots, long otaSlotSize, bool hasMd5 = true)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(factorySize);
        ArgumentOutOfRangeException.ThrowIfNegative(otaSlots);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(otaSlots, 16);
        if (otaSlots > 0)
        {
            ArgumentOutOfRangeException.ThrowIfNegativeOrZero(otaSlotSize);
        }

        var rows = new List<Partition>
        {
            new("nvs", PartitionType.Data, PartitionSubtypes.DataNvs, 0x9000, 0x4000),
            new("otadata", PartitionType.Data, PartitionSubtypes.DataOta, 0xD000, 0x2000),
            new("phy_init", PartitionType.Data, PartitionSubtypes.DataPhy, 0xF000, 0x1000),
        };
        long at = FirstAppOffset;
        if (factorySize > 0)
        {
            uint size = checked((uint)Align.Up(factorySize, PartitionTable.AppAlignment));
            rows.Add(new Partition("factory", PartitionType.App, PartitionSubtypes.AppFactory, checked((uint)at), size));
            at += size;
        }

        uint slot = otaSlots > 0 ? checked((uint)Align.Up(otaSlotSize, PartitionTable.AppAlignment)) : 0;
        for (int i = 0; i < otaSlots; i++)
        {
            rows.Add(new Partition($"ota_{i}", PartitionType.App, (byte)(PartitionSubtypes.AppOtaMin + i), checked((uint)at), slot));
            at += slot;
        }

        return new PartitionTable(rows, hasMd5);
    }

    /// <summary>The <c>partitions_two_ota.csv</c> shape: factory + ota_0 + ota_1.</summary>
    public static PartitionTable FactoryAndTwoOta(long factorySize, long otaSlotSize, bool hasMd5 = true) =>
        WithSlots(factorySize, 2, otaSlotSize, hasMd5);

    /// <summary>The end of the last partition: the smallest chip the table fits.</summary>
    public static long End(PartitionTable table)
    {
        ArgumentNullException.ThrowIfNull(table);
        return table.Partitions.Select(p => p.End).DefaultIfEmpty(0).Max();
    }
}
