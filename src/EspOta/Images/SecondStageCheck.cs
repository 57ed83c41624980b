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

    /// <summary>
    /// The ROM's first step on <paramref name="flash"/>: the chip is <paramref name="chip"/>, else the chip
    /// id of a bootloader header found at one of the offsets ROMs use (0x0, 0x1000, 0x2000, first match).
    /// Then that chip's offset must hold a loadable bootloader image, or nothing boots.
    /// </summary>
    public static RomBootStep RomStep(IFlash flash, Chip? chip = null, uint tableOffset = PartitionTable.DefaultOffset)
    {
        ArgumentNullException.ThrowIfNull(flash);
        long foundAt = -1;
        if (chip is null)
        {
            Span<byte> head = stackalloc byte[ImageHeader.Size + ExtendedImageHeader.Size];
            foreach (uint at in new uint[] { 0x0, 0x1000, 0x2000 })
            {
                if (at + head.Length > Math.Min(flash.Size, tableOffset))
                {
                    break;
                }

                flash.Read(at, head);
                if (ChipOf(head) is { } found)
                {
                    chip = found;
                    foundAt = at;
                    break;
                }
            }

            if (chip is null)
            {
                return new RomBootStep(false, null, 0, true, "no second-stage bootloader image at 0x0, 0x1000 or 0x2000 and no chip given: the ROM step is not modelled");
            }
        }

        long offset = chip.BootloaderOffset;
        if (offset >= tableOffset || offset >= flash.Size)
        {
            return new RomBootStep(true, chip, offset, false, $"the {chip.DisplayName} ROM reads the bootloader from 0x{offset:x}, at or past the partition table / end of flash");
        }

        var result = Verify(flash, chip, tableOffset);
        if (result.IsValid)
        {
            return new RomBootStep(true, chip, offset, true, $"{chip.DisplayName} ROM: bootloader image at 0x{offset:x} loads ({result.ImageLength} bytes)");
        }

        string where = foundAt >= 0 && foundAt != offset ? $" (a {chip.DisplayName} bootloader sits at 0x{foundAt:x}, where this ROM never looks)" : "";
        return new RomBootStep(true, chip, offset, false, $"{chip.DisplayName} ROM: no loadable bootloader at 0x{offset:x}: {result.FailureMessage}{where}; nothing boots");
    }

    /// <summary>
    /// The ROM's first step on a chip with the recovery bootloader (<see cref="Chip.HasRecoveryBootloader"/>):
    /// the primary bootloader at the chip's offset, and when that does not load and
    /// <paramref name="recoveryOffset"/> is burned in eFuse (<c>RECOVERY_BOOTLOADER_FLASH_SECTOR</c>), the same
    /// check of the image there ("Loading RECOVERY Bootloader..."). Other chips ignore <paramref name="recoveryOffset"/>.
    /// </summary>
    public static RomBootStep RomStep(IFlash flash, Chip chip, uint tableOffset, uint? recoveryOffset)
    {
        ArgumentNullException.ThrowIfNull(chip);
        var primary = RomStep(flash, chip, tableOffset);
        if (primary.Loads || !chip.HasRecoveryBootloader || recoveryOffset is not { } at)
        {
            return primary;
        }

        // The recovery copy has the primary's size (ESP_BOOTLOADER_SIZE: from the primary offset to the table).
        long size = tableOffset - chip.BootloaderOffset;
        if (at + size > flash.Size)
        {
            return primary with { Reason = $"{primary.Reason}; the recovery bootloader at 0x{at:x} runs past the end of flash" };
        }

        var region = new Partition("recovery", PartitionType.Bootloader, PartitionSubtypes.BootloaderRecovery, at, (uint)size);
        var result = ImageVerifier.Verify(flash, region, new ImageVerifyOptions { ExpectedChip = chip, IsBootloader = true });
        return result.IsValid
            ? new RomBootStep(true, chip, at, true, $"{primary.Reason}; Loading RECOVERY Bootloader from 0x{at:x} ({result.ImageLength} bytes)")
            : primary with { Reason = $"{primary.Reason}; the recovery bootloader at 0x{at:x} does not load either: {result.FailureMessage}" };
    }
}
