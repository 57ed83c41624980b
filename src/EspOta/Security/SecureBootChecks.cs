namespace EspOta.Security;

/// <summary>
/// The device's signature decisions, each as ESP-IDF v5.5 takes it: the second-stage bootloader checking an app
/// (<c>secure_boot_signatures_bootloader.c</c>), the running app checking an OTA image in <c>esp_ota_end</c> /
/// <c>esp_ota_set_boot_partition</c> (<c>secure_boot_signatures_app.c</c>), the ROM checking the bootloader with
/// aggressive revocation, and <c>esp_ota_revoke_secure_boot_public_key</c> (<c>esp_ota_ops.c</c>).
/// </summary>
public static class SecureBootChecks
{
    /// <summary>
    /// The bootloader's check of an app it is about to boot. With secure boot enabled the trusted keys are the eFuse
    /// digests that are set and not revoked (on a one-digest chip only block 0 against digest 0). Before it is enabled
    /// (the first boot, eFuse still blank) the app's own valid blocks are trusted, so only the signature itself is checked.
    /// </summary>
    public static SignatureVerification VerifyAppAtBoot(SignedImageRegion app, SecureBootEfuses efuses, SignatureScheme scheme, SecureBootCapabilities chip)
    {
        IReadOnlyList<SecureBootKeyDigest?> trusted = efuses.TrustedDigests();
        if (!efuses.Enabled && !efuses.HasTrustedDigest)
        {
            trusted = OwnDigests(app.Sector, scheme);
        }

        return SignatureVerifier.Verify(app.Sector, app.Digest, trusted, scheme, chip.BlocksChecked);
    }

    /// <summary>
    /// The running app's check of a new image (<c>esp_image_verify</c> → <c>esp_secure_boot_verify_signature</c>).
    /// <see cref="SignedAppMode.SecureBoot"/>: against the eFuse digests (none set → <see cref="EspError.Fail"/>).
    /// <see cref="SignedAppMode.SignedAppsNoSecureBoot"/>: block 0 of the new image against the key of the first valid
    /// block of the running app (<c>CONFIG_SECURE_SIGNED_ON_UPDATE_NO_SECURE_BOOT</c> checks one block).
    /// </summary>
    /// <exception cref="EspException"><see cref="EspError.Fail"/> when there is no trusted key to check against.</exception>
    public static SignatureVerification VerifyUpdate(
        SignedImageRegion image, SignedAppMode mode, SignatureScheme scheme, SecureBootEfuses efuses, SignatureSector? runningApp, SecureBootCapabilities chip)
    {
        switch (mode)
        {
            case SignedAppMode.SecureBoot:
                if (!efuses.HasTrustedDigest)
                {
                    throw new EspException(EspError.Fail, "Could not read secure boot digests! (no eFuse key digest is set and unrevoked)");
                }

                return SignatureVerifier.Verify(image.Sector, image.Digest, efuses.TrustedDigests(), scheme, chip.BlocksChecked);
            case SignedAppMode.SignedAppsNoSecureBoot:
                var own = runningApp is null ? [] : OwnDigests(runningApp, scheme).Where(d => d is not null).ToList();
                if (own.Count == 0)
                {
                    throw new EspException(EspError.Fail, "No signatures were found for the running app: no trusted key to verify the update with");
                }

                return SignatureVerifier.Verify(image.Sector, image.Digest, [own[0]], scheme, blockCount: 1);
            default:
                throw new ArgumentOutOfRangeException(nameof(mode), mode, "no signature check in this mode");
        }
    }

    /// <summary>
    /// The ROM's check of the second-stage bootloader. With <see cref="SecureBootEfuses.AggressiveRevoke"/> (and secure
    /// boot enabled) a trusted digest whose block carries the right image digest but a signature that does not verify is
    /// revoked on the spot; an invalid block or a digest mismatch revokes nothing (Secure Boot v2 guide, "Aggressive Approach").
    /// </summary>
    public static SignatureVerification VerifyBootloaderByRom(SignedImageRegion bootloader, SecureBootEfuses efuses, SignatureScheme scheme, SecureBootCapabilities chip)
    {
        var result = SignatureVerifier.Verify(bootloader.Sector, bootloader.Digest, efuses.TrustedDigests(), scheme, chip.BlocksChecked);
        if (efuses.Enabled && efuses.AggressiveRevoke && chip.CanRevokeKeys)
        {
            foreach (var block in result.Blocks.Where(b => b.Status == BlockStatus.BadSignature && b.KeyDigest is not null))
            {
                for (int slot = 0; slot < efuses.Slots; slot++)
                {
                    if (!efuses.Revoked[slot] && block.KeyDigest!.Equals(efuses.Digests[slot]))
                    {
                        efuses.Revoke(slot);
                    }
                }
            }
        }

        return result;
    }

    /// <summary>
    /// <c>esp_ota_revoke_secure_boot_public_key(index)</c>: refused unless secure boot is enabled, the running app is
    /// confirmed (with rollback), and both the running app and the bootloader verify with another, unrevoked eFuse key;
    /// an already revoked slot is success.
    /// </summary>
    /// <param name="index">The digest slot to revoke.</param>
    /// <param name="efuses">The device's eFuses (changed on success).</param>
    /// <param name="chip">The chip (must support revocation).</param>
    /// <param name="scheme">The configured scheme.</param>
    /// <param name="runningApp">The running app's signed region.</param>
    /// <param name="bootloader">The bootloader's signed region, or null when it has none.</param>
    /// <param name="runningAppConfirmed">False when rollback is on and the running app is not <c>ESP_OTA_IMG_VALID</c>.</param>
    /// <exception cref="EspException"><see cref="EspError.NotSupported"/>, <see cref="EspError.InvalidArg"/> or <see cref="EspError.Fail"/>.</exception>
    public static void RevokeKey(
        int index, SecureBootEfuses efuses, SecureBootCapabilities chip, SignatureScheme scheme, SignedImageRegion? runningApp, SignedImageRegion? bootloader, bool runningAppConfirmed)
    {
        if (!chip.CanRevokeKeys)
        {
            throw new EspException(EspError.NotSupported, $"{chip.Chip.DisplayName} cannot revoke Secure Boot keys (no SOC_SUPPORT_SECURE_BOOT_REVOKE_KEY)");
        }

        if (!efuses.Enabled)
        {
            throw new EspException(EspError.Fail, "Secure boot v2 has not been enabled.");
        }

        if (index < 0 || index >= efuses.Slots)
        {
            throw new EspException(EspError.InvalidArg, $"Invalid Index found for public key revocation {index}.");
        }

        if (!runningAppConfirmed)
        {
            throw new EspException(EspError.Fail, "The current running application is not marked as a valid image. Aborting..");
        }

        if (efuses.TrustedDigests()[index] is null)
        {
            return; // "Given public key digest(%d) is already revoked." (a blank slot reads as revoked too)
        }

        if (runningApp is null || !VerifiesWithOtherKey(index, runningApp, efuses, scheme))
        {
            throw new EspException(EspError.Fail, "Application cannot be verified with any key other than the one being revoked");
        }

        if (bootloader is null || !VerifiesWithOtherKey(index, bootloader, efuses, scheme))
        {
            throw new EspException(EspError.Fail, "Bootloader cannot be verified with any key other than the one being revoked");
        }

        efuses.Revoke(index);
    }

    // validate_img + esp_secure_boot_verify_with_efuse_digest_index: some other unrevoked slot's digest is the key of a
    // block whose signature verifies over the image.
    private static bool VerifiesWithOtherKey(int revoked, SignedImageRegion image, SecureBootEfuses efuses, SignatureScheme scheme)
    {
        var trusted = efuses.TrustedDigests();
        for (int i = 0; i < trusted.Count; i++)
        {
            if (i == revoked || trusted[i] is not { } digest)
            {
                continue;
            }

            if (SignatureVerifier.Verify(image.Sector, image.Digest, [digest], scheme).IsValid)
            {
                return true;
            }
        }

        return false;
    }

    // The key digests of the well-formed blocks of the configured scheme (calculate_image_public_key_digests without
    // the signature check), in slot order.
    private static IReadOnlyList<SecureBootKeyDigest?> OwnDigests(SignatureSector sector, SignatureScheme scheme)
    {
        var digests = new List<SecureBootKeyDigest?>();
        foreach (var block in sector.Slots)
        {
            if (!block.IsWellFormed)
            {
                continue;
            }

            var contents = SignatureBlockContents.Decode(block);
            if (contents.Scheme == scheme && contents.PublicKey is { } key)
            {
                digests.Add(key.Digest);
            }
        }

        return digests;
    }
}
