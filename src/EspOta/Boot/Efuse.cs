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

    /// <summary>A copy of every fuse (for a second, independent chip built from the same state).</summary>
    public Efuse Clone() => new(new EfuseSecureVersion((int)SecureVersion.Version, SecureVersion.FieldBits));
}
