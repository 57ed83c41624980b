using System.Numerics;

namespace EspOta.Boot;

/// <summary>
/// The eFuse anti-rollback counter <c>SECURE_VERSION</c>: a thermometer field whose bits can only be
/// burned (0 → 1), never cleared. The version is the number of burned bits
/// (<c>esp_efuse_read_secure_version</c>, esp_efuse_fields.c). It lives outside flash and outside
/// every reboot, so the caller or <c>EspDevice</c> owns one instance for the life of a chip.
/// </summary>
public sealed class EfuseSecureVersion
{
    /// <summary>Width of the field (<c>CONFIG_BOOTLOADER_APP_SEC_VER_SIZE_EFUSE_FIELD</c>, 16 on the C3).</summary>
    public const int DefaultFieldBits = 16;

    /// <summary>A counter of <paramref name="fieldBits"/> bits with the low <paramref name="version"/> bits burned.</summary>
    public EfuseSecureVersion(int version = 0, int fieldBits = DefaultFieldBits)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(fieldBits);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(fieldBits, 32);
        ArgumentOutOfRangeException.ThrowIfNegative(version);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(version, fieldBits);
        FieldBits = fieldBits;
        RawBits = LowBits(version);
    }

    /// <summary>Width of the field in bits: the highest version it can hold.</summary>
    public int FieldBits { get; }

    /// <summary>The burned bits, as <c>esp_efuse_read_field_blob</c> returns them.</summary>
    public uint RawBits { get; private set; }

    /// <summary>The secure version: the number of burned bits.</summary>
    public uint Version => (uint)BitOperations.PopCount(RawBits & LowBits(FieldBits));

    /// <summary><c>esp_efuse_check_secure_version</c>: may an app with <paramref name="secureVersion"/> run?</summary>
    public bool Allows(uint secureVersion) => secureVersion >= Version;

    /// <summary>
    /// <c>esp_efuse_update_secure_version</c>: burns bits up to <paramref name="secureVersion"/>.
    /// Returns the C result: <see cref="EspError.Ok"/> (also when equal), <see cref="EspError.Fail"/>
    /// when lower than the counter, <see cref="EspError.InvalidArg"/> when it exceeds the field.
    /// </summary>
    public EspError Update(uint secureVersion)
    {
        if (secureVersion > (uint)FieldBits)
        {
            return EspError.InvalidArg;
        }

        uint current = Version;
        if (current > secureVersion)
        {
            return EspError.Fail;
        }

        // Only the new bits are programmed; eFuse bits are never burned twice.
        RawBits |= LowBits((int)secureVersion) & ~LowBits((int)current);
        return EspError.Ok;
    }

    /// <inheritdoc />
    public override string ToString() => $"secure_version {Version} (bits 0x{RawBits:x})";

    private static uint LowBits(int count) => count >= 32 ? uint.MaxValue : (1u << count) - 1;
}
