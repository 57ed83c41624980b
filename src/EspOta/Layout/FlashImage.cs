using EspOta.Flash;
using EspOta.Images;
using EspOta.Partitions;

namespace EspOta.Layout;

/// <summary>
/// A whole flash image composed from a partition table, a bootloader and app images, placed the way
/// esptool <c>merge_bin</c> places its inputs: each at its address, sorted, no two overlapping, the
/// gaps erased (0xFF) — and, beyond merge_bin, each within its room (the bootloader before the table,
/// the table in <see cref="PartitionTable.MaxLength"/>, an app in its partition). Otadata stays erased.
/// </summary>
public sealed class FlashImage
{
    private FlashImage(PartitionTable table, long tableOffset, long size, IReadOnlyList<FlashPlacement> placements)
    {
        Table = table;
        TableOffset = tableOffset;
        Size = size;
        Placements = placements;
    }

    /// <summary>The partition table written at <see cref="TableOffset"/>.</summary>
    public PartitionTable Table { get; }

    /// <summary>Where the table is.</summary>
    public long TableOffset { get; }

    /// <summary>The size of the chip image.</summary>
    public long Size { get; }

    /// <summary>The inputs in address order.</summary>
    public IReadOnlyList<FlashPlacement> Placements { get; }

    /// <summary>
    /// Where the bootloader goes: the chip's ROM reads it from <see cref="Chip.BootloaderOffset"/> only
    /// (a real ESP32 with its bootloader at 0x0 prints <c>invalid header</c> and boots nothing).
    /// </summary>
    /// <exception cref="EspException"><see cref="EspError.InvalidArg"/>: an offset, or a bootloader, that is not the chip's (unless forced).</exception>
    public static long BootloaderPlace(ReadOnlySpan<byte> bootloader, FlashComposeOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var headerChip = SecondStageCheck.ChipOf(bootloader);
        var chip = options.Chip ?? headerChip;
        if (!options.ForceBootloaderOffset && options.Chip is { } given && headerChip is { } built && built != given)
        {
            throw new EspException(EspError.InvalidArg, $"the bootloader was built for {built.DisplayName} (chip id {built.ImageChipId}), not {given.DisplayName}");
        }

        long at = options.BootloaderOffset ?? chip?.BootloaderOffset ?? 0;
        if (!options.ForceBootloaderOffset && chip is not null && at != chip.BootloaderOffset)
        {
            throw new EspException(EspError.InvalidArg,
                $"the {chip.DisplayName} ROM loads the bootloader from 0x{chip.BootloaderOffset:x}, not 0x{at:x}: nothing would boot (force to place it anyway)");
        }

        return at;
    }

    /// <summary>Composes an image.</summary>
    /// <param name="table">The partition table.</param>
    /// <param name="bootloader">The second-stage bootloader, or null for none.</param>
    /// <param name="apps">Images written at the start of the named partitions.</param>
    /// <param name="options">Offsets and size; null = the defaults.</param>
    /// <exception cref="EspException"><see cref="EspError.NotFound"/> for an unknown partition label; <see cref="EspError.InvalidSize"/> when an input does not fit its room or the image, or two inputs overlap.</exception>
    public static FlashImage Compose(PartitionTable table, byte[]? bootloader, IEnumerable<(string Partition, byte[] Image)> apps, FlashComposeOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(table);
        ArgumentNullException.ThrowIfNull(apps);
        options ??= new FlashComposeOptions();
        var placements = new List<(FlashPlacement Placement, long Room)>();
        if (bootloader is not null)
        {
            long at = BootloaderPlace(bootloader, options);
            placements.Add((new FlashPlacement("bootloader", at, bootloader), options.TableOffset - at));
        }

        placements.Add((new FlashPlacement("partition-table", options.TableOffset, table.ToBinary()), PartitionTable.MaxLength));
        foreach (var (label, image) in apps)
        {
            ArgumentNullException.ThrowIfNull(image);
            var partition = table.FindFirst(label: label)
                ?? throw new EspException(EspError.NotFound, $"no partition named '{label}' in the partition table (have: {string.Join(", ", table.Partitions.Select(p => p.Label))})");
            placements.Add((new FlashPlacement(partition.Label, partition.Offset, image), partition.Size));
        }

        long end = Math.Max(FlashLayout.End(table), placements.Max(p => p.Placement.End));
        long size = options.Size ?? Align.Up(end, MemoryFlash.DefaultSectorSize);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(size);
        foreach (var (placement, room) in placements)
        {
            if (placement.Offset < 0 || placement.Length > room || placement.End > size)
            {
                throw new EspException(EspError.InvalidSize, $"{placement.What} is {placement.Length} (0x{placement.Length:x}) bytes; only 0x{Math.Max(0, Math.Min(room, size - placement.Offset)):x} fit at 0x{placement.Offset:x}");
            }
        }

        // merge_bin sorts its inputs by address and refuses any overlap.
        var sorted = placements.Select(p => p.Placement).OrderBy(p => p.Offset).ToList();
        for (int i = 1; i < sorted.Count; i++)
        {
            if (sorted[i].Offset < sorted[i - 1].End)
            {
                throw new EspException(EspError.InvalidSize, $"{sorted[i].What} at 0x{sorted[i].Offset:x} overlaps {sorted[i - 1].What} (0x{sorted[i - 1].Offset:x}..0x{sorted[i - 1].End:x})");
            }
        }

        return new FlashImage(table, options.TableOffset, size, sorted);
    }

    /// <summary>The image bytes: erased except the placements.</summary>
    public byte[] ToArray()
    {
        var bytes = new byte[Size];
        bytes.AsSpan().Fill(0xFF);
        foreach (var placement in Placements)
        {
            placement.Data.Span.CopyTo(bytes.AsSpan((int)placement.Offset));
        }

        return bytes;
    }

    /// <summary>A flash chip holding the image.</summary>
    public MemoryFlash ToFlash(bool strict = true)
    {
        var flash = new MemoryFlash(Size, MemoryFlash.DefaultSectorSize, strict);
        WriteTo(flash);
        return flash;
    }

    /// <summary>Writes the placements onto an erased <paramref name="flash"/> (what a flasher does).</summary>
    public void WriteTo(IFlash flash)
    {
        ArgumentNullException.ThrowIfNull(flash);
        if (flash.Size < Size)
        {
            throw new ArgumentException($"the flash (0x{flash.Size:x} bytes) is smaller than the image (0x{Size:x})", nameof(flash));
        }

        foreach (var placement in Placements)
        {
            flash.Write(placement.Offset, placement.Data.Span);
        }
    }
}
