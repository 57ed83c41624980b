namespace EspOta.Boot;

/// <summary>
/// The eFuses of one chip that the bootloader and the OTA API read and burn. They belong to the
/// device (they survive every reboot and are never part of the bootloader's configuration): share one
/// instance per chip across boots.
/// </summary>
/// <remarks>
/// Today: the anti-rollback secure-version counter (<c>EFUSE_BLK_SECURE_VERSION</c>). Secure boot
/// state (<c>SECURE_BOOT_EN</c>, the key digests in <c>KEY_PURPOSE_SECURE_BOOT_DIGESTn</c> blocks,
/// <c>SECURE_BOOT_KEY_REVOKEn</c>) is added here beside it.
/// </remarks>
public sealed class Efuse
{
    /// <summary>A chip whose fuses are in the given state (default: all unburnt).</summary>
    /// <param name="secureVersion">The secure-version counter; null = a fresh 16-bit counter at 0.</param>
    public Efuse(EfuseSecureVersion? secureVersion = null)
    {
        SecureVersion = secureVersion ?? new EfuseSecureVersion();
    }

    /// <summary>The anti-rollback secure-version counter.</summary>
    public EfuseSecureVersion SecureVersion { get; }

    /// <summary>Largest flash sector <c>RECOVERY_BOOTLOADER_FLASH_SECTOR</c> holds (12 bits; 0xFFF means disabled).</summary>
    public const uint RecoverySectorDisabled = 0xFFF;

    /// <summary>
    /// <c>RECOVERY_BOOTLOADER_FLASH_SECTOR</c> as a flash address, or null while unburnt (0) or disabled (0xFFF):
    /// where the ROM of a chip with <see cref="Images.Chip.HasRecoveryBootloader"/> loads the recovery bootloader.
    /// </summary>
    public uint? RecoveryBootloaderOffset => _recoverySector is 0 or RecoverySectorDisabled ? null : _recoverySector * 0x1000;

    private uint _recoverySector;

    /// <summary>
    /// <c>esp_efuse_set_recovery_bootloader_offset</c>: burns the sector of <paramref name="offset"/> once; later calls
    /// only compare. Returns <see cref="EspError.InvalidArg"/> (not sector aligned or beyond the field),
    /// <see cref="EspError.NotAllowed"/> (disabled) or <see cref="EspError.Fail"/> (a different offset is burned).
    /// </summary>
    public EspError SetRecoveryBootloaderOffset(uint offset)
    {
        uint sector = offset / 0x1000;
        if (offset % 0x1000 != 0 || sector == 0 || sector >= RecoverySectorDisabled)
        {
            return EspError.InvalidArg;
        }

        if (_recoverySector == 0)
        {
            _recoverySector = sector;
        }
        else if (_recoverySector == RecoverySectorDisabled)
        {
            return EspError.NotAllowed;
        }

        return _recoverySector == sector ? EspError.Ok : EspError.Fail;
    }

    /// <summary>A copy of every fuse (for a second, independent chip built from the same state).</summary>
    public Efuse Clone() => new(new EfuseSecureVersion((int)SecureVersion.Version, SecureVersion.FieldBits)) { _recoverySector = _recoverySector };

    /// <summary>Whether <paramref name="other"/> has every fuse burned as this one.</summary>
    public bool SameFusesAs(Efuse other)
    {
        ArgumentNullException.ThrowIfNull(other);
        return other.SecureVersion.RawBits == SecureVersion.RawBits && other._recoverySector == _recoverySector;
    }
}
