using EspOta.Flash;
using EspOta.Partitions;

namespace EspOta.OtaData;

/// <summary>
/// The otadata partition: two copies of <see cref="OtaSelectEntry"/>, one at the start of each of its
/// first two sectors. Every update is "erase the sector, then program 32 bytes", exactly as
/// <c>rewrite_ota_seq</c> (esp_ota_ops.c) and <c>write_otadata</c> (bootloader_utility.c) do it, so a
/// power cut leaves the same torn states as on a device.
/// </summary>
public sealed class OtaDataPartition
{
    /// <summary>Number of copies.</summary>
    public const int CopyCount = 2;

    private readonly IFlash _flash;

    /// <summary>Wraps the data/ota <paramref name="partition"/> on <paramref name="flash"/>.</summary>
    public OtaDataPartition(IFlash flash, Partition partition)
    {
        _flash = flash ?? throw new ArgumentNullException(nameof(flash));
        Partition = partition ?? throw new ArgumentNullException(nameof(partition));
        if (!partition.IsOtaData)
        {
            throw new ArgumentException($"partition {partition} is not data/ota", nameof(partition));
        }

        if (partition.Size < CopyCount * flash.SectorSize)
        {
            throw new ArgumentException(
                $"otadata partition {partition.Label} is 0x{partition.Size:x} bytes; it needs at least 0x{CopyCount * flash.SectorSize:x}",
                nameof(partition));
        }
    }

    /// <summary>The data/ota partition.</summary>
    public Partition Partition { get; }

    /// <summary>Flash address of copy <paramref name="copy"/> (0 or 1).</summary>
    public long SectorAddress(int copy)
    {
        CheckCopy(copy);
        return Partition.Offset + (long)copy * _flash.SectorSize;
    }

    /// <summary>Reads copy <paramref name="copy"/>.</summary>
    public OtaSelectEntry Read(int copy)
    {
        Span<byte> buffer = stackalloc byte[OtaSelectEntry.Size];
        _flash.Read(SectorAddress(copy), buffer);
        return OtaSelectEntry.Read(buffer);
    }

    /// <summary>Reads both copies (index = sector).</summary>
    public OtaSelectEntry[] ReadBoth() => [Read(0), Read(1)];

    /// <summary>Erases the sector of copy <paramref name="copy"/> and programs <paramref name="entry"/> at its start.</summary>
    public void Write(int copy, OtaSelectEntry entry)
    {
        Span<byte> buffer = stackalloc byte[OtaSelectEntry.Size];
        entry.WriteTo(buffer);
        long address = SectorAddress(copy);
        _flash.Erase(address, _flash.SectorSize);
        _flash.Write(address, buffer);
    }

    /// <summary>Erases the sector of copy <paramref name="copy"/>.</summary>
    public void EraseCopy(int copy) => _flash.Erase(SectorAddress(copy), _flash.SectorSize);

    /// <summary>Erases the whole partition (what <c>esp_ota_set_boot_partition(factory)</c> does).</summary>
    public void EraseAll() => _flash.Erase(Partition.Offset, Partition.Size);

    /// <summary>
    /// <c>bootloader_common_select_otadata</c>: among the flagged copies, the one with the larger
    /// (<paramref name="max"/>) or smaller sequence, compared as u32; a tie goes to copy 0. −1 when none is flagged.
    /// </summary>
    public static int Select(ReadOnlySpan<OtaSelectEntry> entries, bool flag0, bool flag1, bool max)
    {
        if (entries.Length != CopyCount)
        {
            throw new ArgumentException($"expected {CopyCount} entries, got {entries.Length}", nameof(entries));
        }

        if (flag0 && flag1)
        {
            uint s0 = entries[0].Sequence, s1 = entries[1].Sequence;
            uint chosen = max ? Math.Max(s0, s1) : Math.Min(s0, s1);
            return chosen == s0 ? 0 : 1;
        }

        return flag0 ? 0 : flag1 ? 1 : -1;
    }

    /// <summary><c>bootloader_common_get_active_otadata</c>: the valid copy with the larger sequence, or −1.</summary>
    public static int ActiveIndex(ReadOnlySpan<OtaSelectEntry> entries) =>
        Select(entries, entries[0].IsValid, entries[1].IsValid, max: true);

    /// <summary>
    /// The sequence <c>esp_rewrite_ota_data</c> writes to select <paramref name="targetSlot"/> when the
    /// active copy holds <paramref name="activeSequence"/>: the first u32 value of
    /// <c>c + i·count</c> (<c>c = (slot + 1) % count</c>, <c>i = 0, 1, …</c>, wrapping mod 2^32) that is
    /// ≥ the active sequence. Computed arithmetically, lap by lap around 2^32, instead of by the C loop.
    /// </summary>
    /// <returns>
    /// False when that search never ends in ESP-IDF: its u32 counter <c>i</c> wraps before any value
    /// reaches the active sequence, so the loop spins forever.
    /// </returns>
    public static bool TryComputeNextSequence(uint activeSequence, int targetSlot, int count, out uint sequence)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(count);
        ArgumentOutOfRangeException.ThrowIfNegative(targetSlot);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(targetSlot, count);
        const ulong Wrap = 1UL << 32;
        ulong n = (ulong)count;
        ulong c = (ulong)((targetSlot + 1) % count);
        ulong s = activeSequence;

        // Lap k holds the i whose unwrapped value c + i·n lies in [k·2^32, (k+1)·2^32).
        for (ulong lap = 0; ; lap++)
        {
            ulong lapStart = lap * Wrap;
            ulong firstI = lapStart <= c ? 0 : (lapStart - c + n - 1) / n;
            if (firstI >= Wrap)
            {
                break;
            }

            ulong first = c + firstI * n - lapStart;
            ulong lastI = (lapStart + Wrap - 1 - c) / n;
            ulong i = first >= s ? firstI : firstI + (s - first + n - 1) / n;
            if (i <= lastI && i < Wrap)
            {
                sequence = (uint)(c + i * n - lapStart);
                return true;
            }
        }

        sequence = 0;
        return false;
    }

    private static void CheckCopy(int copy)
    {
        if (copy is < 0 or >= CopyCount)
        {
            throw new ArgumentOutOfRangeException(nameof(copy), copy, "otadata has copies 0 and 1");
        }
    }
}
