using EspOta.Images;
using EspOta.Partitions;

namespace EspOta.Layout;

/// <summary>Where the fixed parts of a flash image go, and how large it is.</summary>
public sealed record FlashComposeOptions
{
    /// <summary><c>CONFIG_PARTITION_TABLE_OFFSET</c>.</summary>
    public long TableOffset { get; init; } = PartitionTable.DefaultOffset;

    /// <summary>
    /// Where the second-stage bootloader goes (<c>CONFIG_BOOTLOADER_OFFSET_IN_FLASH</c>). The default 0x0
    /// is right for most chips; <see cref="BootloaderOffsetFor"/> gives a chip's own offset.
    /// </summary>
    public long BootloaderOffset { get; init; }

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
        return chip.Name switch
        {
            "esp32" or "esp32s2" => 0x1000,
            "esp32p4" or "esp32c5" => 0x2000,
            _ => 0x0,
        };
    }
}
