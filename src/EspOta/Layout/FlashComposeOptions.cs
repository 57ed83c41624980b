using EspOta.Images;
using EspOta.Partitions;

namespace EspOta.Layout;

/// <summary>Where the fixed parts of a flash image go, and how large it is.</summary>
public sealed record FlashComposeOptions
{
    /// <summary><c>CONFIG_PARTITION_TABLE_OFFSET</c>.</summary>
    public long TableOffset { get; init; } = PartitionTable.DefaultOffset;

    /// <summary>
    /// Where the second-stage bootloader goes (<c>CONFIG_BOOTLOADER_OFFSET_IN_FLASH</c>). Null: the chip's
    /// own offset (<see cref="Chip.BootloaderOffset"/>) of <see cref="Chip"/>, else of the chip id in the
    /// bootloader's header, else 0x0. An offset that is not the chip's is refused unless <see cref="ForceBootloaderOffset"/>.
    /// </summary>
    public long? BootloaderOffset { get; init; }

    /// <summary>The target chip (<c>--chip</c>); null: the bootloader header's chip id.</summary>
    public Chip? Chip { get; init; }

    /// <summary>Place the bootloader at <see cref="BootloaderOffset"/> even where the chip's ROM will not find it.</summary>
    public bool ForceBootloaderOffset { get; init; }

    /// <summary>The image size; null = the end of the last partition (or of the last input, if later), rounded up to a sector.</summary>
    public long? Size { get; init; }

    /// <summary>
    /// The bootloader offset of <paramref name="chip"/>: 0x1000 on ESP32 and ESP32-S2 (the first sector
    /// holds the ROM's flash encryption/secure boot area), 0x2000 on ESP32-P4 and ESP32-C5, 0x0 elsewhere
    /// (<c>components/bootloader/Kconfig.projbuild</c>, esptool's <c>BOOTLOADER_FLASH_OFFSET</c>).
    /// </summary>
    public static long BootloaderOffsetFor(Chip chip)
    {
        ArgumentNullException.ThrowIfNull(chip);
        return chip.BootloaderOffset;
    }
}
