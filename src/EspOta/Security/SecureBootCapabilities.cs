using EspOta.Images;

namespace EspOta.Security;

/// <summary>
/// What a chip's eFuse and ROM offer for Secure Boot (<c>soc_caps.h</c> of ESP-IDF v5.5:
/// <c>SOC_SECURE_BOOT_V2_RSA</c>/<c>_ECC</c>, <c>SOC_EFUSE_SECURE_BOOT_KEY_DIGESTS</c>,
/// <c>SOC_SUPPORT_SECURE_BOOT_REVOKE_KEY</c>, <c>SOC_ECDSA_SUPPORT_CURVE_P384</c>, <c>SOC_SECURE_BOOT_V1</c>).
/// </summary>
/// <param name="Chip">The chip.</param>
/// <param name="KeyDigestSlots">Key digest slots in eFuse: 1 on ESP32 (BLK2, RSA, ECO3 and later) and ESP32-C2, 3 elsewhere.</param>
/// <param name="CanRevokeKeys">Whether single digests can be revoked (<c>KEY_REVOKEn</c>, <c>esp_ota_revoke_secure_boot_public_key</c>).</param>
/// <param name="Schemes">The Secure Boot v2 schemes the ROM verifies (empty: no Secure Boot v2).</param>
/// <param name="SecureBootV1">Whether the chip has Secure Boot v1 (ESP32 only).</param>
public sealed record SecureBootCapabilities(Chip Chip, int KeyDigestSlots, bool CanRevokeKeys, IReadOnlyList<SignatureScheme> Schemes, bool SecureBootV1)
{
    /// <summary>The capabilities of <paramref name="chip"/>.</summary>
    public static SecureBootCapabilities For(Chip chip)
    {
        ArgumentNullException.ThrowIfNull(chip);
        SignatureScheme[] rsa = [SignatureScheme.Rsa3072];
        SignatureScheme[] ecc = [SignatureScheme.EcdsaP192, SignatureScheme.EcdsaP256];
        SignatureScheme[] ecc384 = [SignatureScheme.EcdsaP192, SignatureScheme.EcdsaP256, SignatureScheme.EcdsaP384];
        return chip.Name switch
        {
            "esp32" => new(chip, 1, false, rsa, true),
            "esp32c2" => new(chip, 1, false, ecc, false),
            "esp32s2" or "esp32s3" or "esp32c3" => new(chip, 3, true, rsa, false),
            "esp32c6" or "esp32h2" or "esp32h21" or "esp32h4" => new(chip, 3, true, [.. rsa, .. ecc], false),
            "esp32c61" => new(chip, 3, true, ecc, false),
            "esp32c5" or "esp32p4" => new(chip, 3, true, [.. rsa, .. ecc384], false),
            _ => new(chip, 0, false, [], false),
        };
    }

    /// <summary>How many blocks the ROM/bootloader looks at: 1 where eFuse holds one digest (ESP32 ECO3 accepts one block), else 3.</summary>
    public int BlocksChecked => KeyDigestSlots == 1 ? 1 : SignatureSector.MaxBlocks;

    /// <summary>True when <paramref name="scheme"/> can be configured on this chip.</summary>
    public bool Supports(SignatureScheme scheme) => Schemes.Contains(scheme);
}
