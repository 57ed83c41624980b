namespace EspOta.Security;

/// <summary>
/// The Secure Boot eFuses of one device: <c>SECURE_BOOT_EN</c>, the key digests (<c>SECURE_BOOT_DIGEST0..2</c>,
/// on ESP32 BLK2 holds the only one), the <c>KEY_REVOKE0..2</c> bits and <c>SECURE_BOOT_AGGRESSIVE_REVOKE</c>.
/// eFuse bits only ever go from 0 to 1: a digest, once written, and a revocation, once burnt, stay.
/// </summary>
public sealed class SecureBootEfuses
{
    private readonly SecureBootKeyDigest?[] _digests;
    private readonly bool[] _revoked;

    /// <summary>Creates the eFuses for a chip with <paramref name="slots"/> digest slots (all blank).</summary>
    public SecureBootEfuses(int slots = SignatureSector.MaxBlocks)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(slots, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(slots, SignatureSector.MaxBlocks);
        _digests = new SecureBootKeyDigest?[slots];
        _revoked = new bool[slots];
    }

    /// <summary><c>SECURE_BOOT_EN</c> (on ESP32 <c>ABS_DONE_1</c>): the bootloader verifies every app it boots.</summary>
    public bool Enabled { get; private set; }

    /// <summary><c>SECURE_BOOT_AGGRESSIVE_REVOKE</c>: the ROM revokes a digest as soon as a signature made with it fails.</summary>
    public bool AggressiveRevoke { get; private set; }

    /// <summary>Number of digest slots.</summary>
    public int Slots => _digests.Length;

    /// <summary>The digest written in each slot (null: blank).</summary>
    public IReadOnlyList<SecureBootKeyDigest?> Digests => _digests;

    /// <summary>The revocation bit of each slot.</summary>
    public IReadOnlyList<bool> Revoked => _revoked;

    /// <summary>
    /// What <c>esp_secure_boot_read_key_digests</c> returns: each slot's digest unless it is blank or revoked (then null).
    /// </summary>
    public IReadOnlyList<SecureBootKeyDigest?> TrustedDigests() =>
        [.. _digests.Select((d, i) => _revoked[i] ? null : d)];

    /// <summary>True when at least one digest is set and not revoked.</summary>
    public bool HasTrustedDigest => TrustedDigests().Any(d => d is not null);

    /// <summary>Burns <paramref name="digest"/> into blank slot <paramref name="slot"/>.</summary>
    /// <exception cref="EspException"><see cref="EspError.InvalidArg"/> for a bad slot; <see cref="EspError.InvalidState"/> when the slot is written already.</exception>
    public void WriteDigest(int slot, SecureBootKeyDigest digest)
    {
        ArgumentNullException.ThrowIfNull(digest);
        CheckSlot(slot);
        if (_digests[slot] is { } existing && !existing.Equals(digest))
        {
            throw new EspException(EspError.InvalidState, $"eFuse key digest slot {slot} already holds {existing}");
        }

        _digests[slot] = digest;
    }

    /// <summary>Burns <c>SECURE_BOOT_EN</c>.</summary>
    public void Enable() => Enabled = true;

    /// <summary>Burns <c>SECURE_BOOT_AGGRESSIVE_REVOKE</c>.</summary>
    public void EnableAggressiveRevoke() => AggressiveRevoke = true;

    /// <summary>Burns <c>KEY_REVOKE</c> of <paramref name="slot"/> (<c>esp_efuse_set_digest_revoke</c>).</summary>
    /// <exception cref="EspException"><see cref="EspError.InvalidArg"/> for a bad slot.</exception>
    public void Revoke(int slot)
    {
        CheckSlot(slot);
        _revoked[slot] = true;
    }

    /// <summary>A copy (for snapshots of a device's state).</summary>
    public SecureBootEfuses Clone()
    {
        var copy = new SecureBootEfuses(Slots) { Enabled = Enabled, AggressiveRevoke = AggressiveRevoke };
        _digests.CopyTo(copy._digests, 0);
        _revoked.CopyTo(copy._revoked, 0);
        return copy;
    }

    /// <inheritdoc />
    public override string ToString() =>
        $"secure boot {(Enabled ? "on" : "off")}; " + string.Join(", ", _digests.Select((d, i) => $"digest{i} {(d is null ? "blank" : d.Hex[..16] + "…")}{(_revoked[i] ? " revoked" : "")}"));

    private void CheckSlot(int slot)
    {
        if (slot < 0 || slot >= Slots)
        {
            throw new EspException(EspError.InvalidArg, $"key digest slot {slot} does not exist (0..{Slots - 1})");
        }
    }
}
