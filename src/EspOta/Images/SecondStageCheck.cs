using EspOta.Flash;
using EspOta.Partitions;

namespace EspOta.Images;

/// <summary>
/// The ROM's first step at reset: it reads the second-stage bootloader from the chip's
/// <see cref="Chip.BootloaderOffset"/> and starts it only when that is a loadable image (magic 0xE9,
/// segments that fit, the XOR checksum; the ROM does not check the appended SHA-256 without Secure Boot).
/// On a real ESP32 a blank or misplaced bootloader ends here: <c>invalid header: 0xffffffff</c>, and nothing boots.
/// </summary>
public static class SecondStageCheck
{
    /// <summary>Verifies the bootloader image at <paramref name="chip"/>'s offset, bounded by the partition table at <paramref name="tableOffset"/>.</summary>
    public static ImageVerification Verify(IFlash flash, Chip chip, uint tableOffset = PartitionTable.DefaultOffset)
    {
        ArgumentNullException.ThrowIfNull(flash);
        ArgumentNullException.ThrowIfNull(chip);
        uint offset = chip.BootloaderOffset;
        if (tableOffset <= offset)
        {
            throw new ArgumentOutOfRangeException(nameof(tableOffset), $"the partition table at 0x{tableOffset:x} leaves no room for a bootloader at 0x{offset:x}");
        }

        var region = new Partition("bootloader", PartitionType.Bootloader, 0, offset, tableOffset - offset);
        return ImageVerifier.Verify(flash, region, new ImageVerifyOptions { ExpectedChip = chip, IsBootloader = true });
    }

    /// <summary>
    /// The chip a bootloader image was built for (its extended header's chip id), or null when the bytes
    /// are no image or name no chip.
    /// </summary>
    public static Chip? ChipOf(ReadOnlySpan<byte> bootloader)
    {
        if (bootloader.Length < ImageHeader.Size + ExtendedImageHeader.Size || bootloader[0] != ImageHeader.ImageMagic)
        {
            return null;
        }

        var ext = ExtendedImageHeader.Read(bootloader[ImageHeader.Size..]);
        return Chip.TryFromImageId(ext.ChipId, out var chip) ? chip : null;
    }
}
