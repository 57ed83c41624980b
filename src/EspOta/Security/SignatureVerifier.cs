namespace EspOta.Security;

/// <summary>
/// Checks a Secure Boot v2 signature sector the way the device does (<c>esp_secure_boot_verify_sbv2_signature_block</c>,
/// <c>secure_boot_signatures_app.c</c>, and the ROM's <c>ets_secure_boot_verify_signature</c> as the Secure Boot v2
/// guide describes it): each of the first <c>blockCount</c> slots is looked at; a slot counts only when it has the
/// magic, the CRC and the device's scheme and curve; its key digest must be one of the trusted digests; the stored
/// image digest must equal the digest of the signed data; and the signature must verify. The image is valid when
/// any slot passes. (espsecure's <c>verify_signature</c> differs: with an ECDSA key it only looks at block 0, and a
/// digest mismatch in any block ends its search; the device keeps looking.)
/// </summary>
public static class SignatureVerifier
{
    /// <summary>Checks <paramref name="sector"/> against <paramref name="trusted"/> digests (null entries are revoked or unset slots).</summary>
    /// <param name="sector">The signature sector.</param>
    /// <param name="digest">The digest(s) of the signed data.</param>
    /// <param name="trusted">The trusted key digests (eFuse <c>SECURE_BOOT_DIGEST0..2</c> that are set and not revoked).</param>
    /// <param name="scheme">The device's scheme; null accepts a block of any scheme (a host-side check).</param>
    /// <param name="blockCount">How many slots are looked at: 3, or 1 on the original ESP32 (one key digest) and with
    /// <c>CONFIG_SECURE_SIGNED_ON_UPDATE_NO_SECURE_BOOT</c>.</param>
    public static SignatureVerification Verify(
        SignatureSector sector, SignedDataDigest digest, IReadOnlyList<SecureBootKeyDigest?> trusted, SignatureScheme? scheme = null, int blockCount = SignatureSector.MaxBlocks)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(blockCount, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(blockCount, SignatureSector.MaxBlocks);
        var checks = new List<BlockCheck>(SignatureSector.MaxBlocks);
        bool verified = false;
        for (int i = 0; i < SignatureSector.MaxBlocks; i++)
        {
            var block = sector.Slots[i];
            if (i >= blockCount || verified)
            {
                checks.Add(new BlockCheck(i, BlockStatus.NotChecked, null, null));
                continue;
            }

            var check = CheckBlock(i, block, digest, trusted, scheme);
            verified = check.Status == BlockStatus.Verified;
            checks.Add(check);
        }

        return new SignatureVerification(checks);
    }

    /// <summary>Checks the sector at the end of a signed file (its last 4096 bytes) against one public key, as <c>image verify-signature --key</c>.</summary>
    /// <exception cref="SignatureException">The file is empty or not a multiple of 4096 bytes.</exception>
    public static SignatureVerification VerifyFile(ReadOnlySpan<byte> file, SecureBootPublicKey key) =>
        VerifyFile(file, [key.Digest], key.Scheme);

    /// <summary>Checks the sector at the end of a signed file against trusted digests.</summary>
    /// <exception cref="SignatureException">The file is empty or not a multiple of 4096 bytes.</exception>
    public static SignatureVerification VerifyFile(ReadOnlySpan<byte> file, IReadOnlyList<SecureBootKeyDigest?> trusted, SignatureScheme? scheme = null)
    {
        var sector = SignatureSector.ReadFromSignedFile(file);
        var signed = file[..^SignatureSector.Size];
        bool needs384 = sector.Slots.Any(b => b.Version == SignatureBlockV2.VersionEcdsa && b.HashType == SignatureBlockV2.HashTypeSha384);
        return Verify(sector, SignedDataDigest.Compute(signed, needs384), trusted, scheme);
    }

    private static BlockCheck CheckBlock(int index, SignatureBlockV2 block, SignedDataDigest digest, IReadOnlyList<SecureBootKeyDigest?> trusted, SignatureScheme? scheme)
    {
        if (!block.IsWellFormed)
        {
            return new BlockCheck(index, BlockStatus.Invalid, null, null);
        }

        var contents = SignatureBlockContents.Decode(block);
        if (contents.Scheme is not { } blockScheme || contents.PublicKey is not { } key)
        {
            return new BlockCheck(index, BlockStatus.WrongScheme, null, null);
        }

        if (scheme is { } expected && expected != blockScheme)
        {
            return new BlockCheck(index, BlockStatus.WrongScheme, blockScheme, key.Digest);
        }

        if (!trusted.Any(t => t is not null && t.Equals(key.Digest)))
        {
            return new BlockCheck(index, BlockStatus.UntrustedKey, blockScheme, key.Digest);
        }

        var actual = digest.For(blockScheme);
        if (!contents.ImageDigest.Span.SequenceEqual(actual))
        {
            return new BlockCheck(index, BlockStatus.DigestMismatch, blockScheme, key.Digest);
        }

        var status = key.VerifyDigest(actual, contents.SignatureField.Span) ? BlockStatus.Verified : BlockStatus.BadSignature;
        return new BlockCheck(index, status, blockScheme, key.Digest);
    }
}
