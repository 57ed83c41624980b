using EspOta.Flash;
using EspOta.Partitions;

namespace EspOta.OtaData;

/// <summary>
/// The partition table and otadata of one flash seen together — "otadata → active entry → slot →
/// partition" — without a running app: what <c>otatool.py</c> offers offline, what
/// <c>esp_ota_get_boot_partition</c> computes, and what the torture oracle checks the bootloader against.
/// </summary>
/// <remarks>
/// The bootloader (bootloader_utility.c) keeps its own selection on purpose: it is a second C function
/// with its own rules (anti-rollback, rewrites during boot). Both count slots their own way, see
/// <see cref="AppPartitionCount"/> and <see cref="TableSlotCount"/>.
/// </remarks>
public sealed class OtaSelection
{
    private readonly IFlash _flash;

    /// <summary>A view of <paramref name="table"/> and its otadata on <paramref name="flash"/>.</summary>
    public OtaSelection(IFlash flash, PartitionTable table)
    {
        _flash = flash ?? throw new ArgumentNullException(nameof(flash));
        Table = table ?? throw new ArgumentNullException(nameof(table));
        OtaDataPartition = table.FindFirst(PartitionType.Data, PartitionSubtypes.DataOta);
    }

    /// <summary>The partition table.</summary>
    public PartitionTable Table { get; }

    /// <summary>The otadata (data/ota) partition, or null when the table has none.</summary>
    public Partition? OtaDataPartition { get; }

    /// <summary>The factory app partition, or null.</summary>
    public Partition? Factory => Table.FindFirst(PartitionType.App, PartitionSubtypes.AppFactory);

    /// <summary><c>esp_ota_get_app_partition_count</c>: OTA slots found contiguously from ota_0.</summary>
    public int AppPartitionCount
    {
        get
        {
            int count = 0;
            while (count < PartitionSubtypes.OtaSlotCount && FindOta(count) is not null)
            {
                count++;
            }

            return count;
        }
    }

    /// <summary>Every OTA app partition in the table (how the bootloader's <c>app_count</c> counts them).</summary>
    public int TableSlotCount => Table.Partitions.Count(p => p.IsOtaSlot);

    /// <summary>The OTA slot <paramref name="slot"/> (ota_N), or null.</summary>
    public Partition? FindOta(int slot) => Table.FindFirst(PartitionType.App, (byte)(PartitionSubtypes.AppOtaMin + slot));

    /// <summary>The otadata partition opened over the flash, or null when there is none.</summary>
    public OtaDataPartition? OpenOtaData() => OtaDataPartition is { } p ? new OtaDataPartition(_flash, p) : null;

    /// <summary>Both otadata entries as stored.</summary>
    /// <exception cref="EspException"><see cref="EspError.NotFound"/> when the table has no otadata partition.</exception>
    public OtaSelectEntry[] ReadEntries() =>
        (OpenOtaData() ?? throw new EspException(EspError.NotFound, "the partition table has no otadata (data/ota) partition")).ReadBoth();

    /// <summary>The index (0 or 1) of the entry that counts (<c>bootloader_common_get_active_otadata</c>), or -1.</summary>
    public static int ActiveIndex(ReadOnlySpan<OtaSelectEntry> entries) => OtaData.OtaDataPartition.ActiveIndex(entries);

    /// <summary>The OTA slot an entry selects for a table with <paramref name="slotCount"/> slots.</summary>
    public static int SlotOf(OtaSelectEntry entry, int slotCount) => entry.SlotIndex(slotCount);

    /// <summary>The partition the active entry selects (by <see cref="TableSlotCount"/>), with its index; null when no entry is active or there are no slots.</summary>
    public (int Active, int Slot, Partition? Partition)? ActiveSelection()
    {
        if (OpenOtaData() is not { } otaData)
        {
            return null;
        }

        var entries = otaData.ReadBoth();
        int active = ActiveIndex(entries);
        int count = TableSlotCount;
        if (active == -1 || count == 0)
        {
            return null;
        }

        int slot = SlotOf(entries[active], count);
        return (active, slot, FindOta(slot));
    }

    /// <summary>The factory app, else the first OTA slot, else the test app (<c>esp_ota_get_boot_partition</c>'s default); null when there is none.</summary>
    public Partition? DefaultBootPartition()
    {
        if (Factory is { } factory)
        {
            return factory;
        }

        for (int slot = 0; slot < PartitionSubtypes.OtaSlotCount; slot++)
        {
            if (FindOta(slot) is { } ota)
            {
                return ota;
            }
        }

        return Table.FindFirst(PartitionType.App, PartitionSubtypes.AppTest);
    }

    /// <summary><c>esp_ota_get_boot_partition</c>: the partition otadata says boots next; null without otadata.</summary>
    public Partition? BootPartition()
    {
        if (OpenOtaData() is not { } otaData)
        {
            return null;
        }

        var entries = otaData.ReadBoth();
        int count = AppPartitionCount;
        if ((entries[0].IsMarkedInvalid && entries[1].IsMarkedInvalid) || count == 0)
        {
            return DefaultBootPartition();
        }

        int active = ActiveIndex(entries);
        return active == -1 ? DefaultBootPartition() : FindOta(SlotOf(entries[active], count));
    }
}
