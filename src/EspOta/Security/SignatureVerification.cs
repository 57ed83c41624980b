namespace EspOta.Security;

/// <summary>The result of checking an image's signature sector against trusted key digests.</summary>
/// <param name="Blocks">One entry per slot (always three).</param>
public sealed record SignatureVerification(IReadOnlyList<BlockCheck> Blocks)
{
    /// <summary>The block that verified, or null.</summary>
    public BlockCheck? VerifiedBlock => Blocks.FirstOrDefault(b => b.Status == BlockStatus.Verified);

    /// <summary>True when some block verified with a trusted key.</summary>
    public bool IsValid => VerifiedBlock is not null;

    /// <summary>The digest of the key that signed (the verified block's), or null.</summary>
    public SecureBootKeyDigest? SignedBy => VerifiedBlock?.KeyDigest;

    /// <summary>
    /// Why the image is refused, most telling first: a bad signature by a trusted key, a digest mismatch, an
    /// untrusted key, a wrong scheme, no block at all; null when valid.
    /// </summary>
    public BlockStatus? Refusal
    {
        get
        {
            if (IsValid)
            {
                return null;
            }

            foreach (var status in new[] { BlockStatus.BadSignature, BlockStatus.DigestMismatch, BlockStatus.UntrustedKey, BlockStatus.WrongScheme })
            {
                if (Blocks.Any(b => b.Status == status))
                {
                    return status;
                }
            }

            return BlockStatus.Invalid;
        }
    }

    /// <inheritdoc />
    public override string ToString() => IsValid
        ? $"signature block {VerifiedBlock!.Index} verified (key {SignedBy})"
        : "not verified: " + string.Join(", ", Blocks.Select(b => $"block {b.Index} {b.Status}"));
}
