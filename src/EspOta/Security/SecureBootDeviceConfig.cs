using EspOta.Images;

namespace EspOta.Security;

/// <summary>
/// A device's signed-app configuration: the chip, the Kconfig mode and scheme, and its Secure Boot eFuses.
/// </summary>
/// <param name="Chip">The chip (decides digest slots, revocation and allowed schemes).</param>
/// <param name="Mode">The Kconfig mode.</param>
/// <param name="Scheme">The configured scheme (<c>CONFIG_SECURE_SIGNED_APPS_*_SCHEME</c> and ECDSA key length).</param>
/// <param name="Efuses">The eFuses (shared with the device: revocations burn into them).</param>
public sealed record SecureBootDeviceConfig(Chip Chip, SignedAppMode Mode, SignatureScheme Scheme, SecureBootEfuses Efuses)
{
    /// <summary>The chip's capabilities.</summary>
    public SecureBootCapabilities Capabilities => SecureBootCapabilities.For(Chip);

    /// <summary>
    /// A Secure Boot v2 device whose eFuses hold <paramref name="trustedKeys"/> (slot order) with secure boot enabled.
    /// </summary>
    /// <exception cref="ArgumentException">The chip cannot do the scheme, or more keys than slots, or keys of another scheme.</exception>
    public static SecureBootDeviceConfig SecureBoot(Chip chip, SignatureScheme scheme, IReadOnlyList<SecureBootKeyDigest> trustedKeys, bool aggressiveRevoke = false)
    {
        var caps = SecureBootCapabilities.For(chip);
        if (!caps.Supports(scheme))
        {
            throw new ArgumentException($"{chip.DisplayName} does not support Secure Boot v2 with {scheme.DisplayName()} (it supports: {string.Join(", ", caps.Schemes.Select(s => s.DisplayName()))})", nameof(scheme));
        }

        if (trustedKeys.Count > caps.KeyDigestSlots)
        {
            throw new ArgumentException($"{chip.DisplayName} has {caps.KeyDigestSlots} key digest slot(s), got {trustedKeys.Count} keys", nameof(trustedKeys));
        }

        var efuses = new SecureBootEfuses(caps.KeyDigestSlots);
        for (int i = 0; i < trustedKeys.Count; i++)
        {
            efuses.WriteDigest(i, trustedKeys[i]);
        }

        efuses.Enable();
        if (aggressiveRevoke)
        {
            efuses.EnableAggressiveRevoke();
        }

        return new SecureBootDeviceConfig(chip, SignedAppMode.SecureBoot, scheme, efuses);
    }

    /// <summary><c>CONFIG_SECURE_SIGNED_APPS_NO_SECURE_BOOT</c>: blank eFuses, updates must be signed by the running app's key.</summary>
    public static SecureBootDeviceConfig SignedAppsOnly(Chip chip, SignatureScheme scheme) =>
        new(chip, SignedAppMode.SignedAppsNoSecureBoot, scheme, new SecureBootEfuses(Math.Max(1, SecureBootCapabilities.For(chip).KeyDigestSlots)));
}
