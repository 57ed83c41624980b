using EspOta.Images;
using EspOta.Security;

namespace EspOta.Server.Signing;

/// <summary>
/// A project's signing policy. A project with trusted key digests accepts only uploads that carry a Secure Boot v2
/// signature block verifying with one of them that is not revoked; every upload records the keys that verified over
/// it; and an image is offered only while one of its signers is still trusted. A project without keys has no policy.
/// The signature check is the core's (<see cref="SignatureVerifier"/>, any scheme: the server does not know which
/// scheme a device's eFuse selects), on the sector where the device reads it: right after the image padded to 4 KiB.
/// </summary>
internal static class SigningPolicy
{
    /// <summary>Judges an image's signatures against the project's keys (<paramref name="keys"/> empty: no policy, always accepted).</summary>
    public static UploadSignatureVerdict Judge(string project, IReadOnlyList<SigningKey> keys, SignedImageRegion? region)
    {
        var present = new List<string>();
        var signers = new List<string>();
        if (region is not null)
        {
            foreach (var block in region.Sector.Slots.Where(b => b.IsWellFormed))
            {
                if (SignatureBlockContents.Decode(block).PublicKey is not { } key || present.Contains(key.Digest.Hex))
                {
                    continue;
                }

                present.Add(key.Digest.Hex);
                if (SignatureVerifier.Verify(region.Sector, region.Digest, [key.Digest]).IsValid)
                {
                    signers.Add(key.Digest.Hex);
                }
            }
        }

        if (keys.Count == 0)
        {
            return new UploadSignatureVerdict(signers, null, null);
        }

        var live = keys.Where(k => !k.IsRevoked).Select(k => k.KeyDigest).ToHashSet(StringComparer.Ordinal);
        var revoked = keys.Where(k => k.IsRevoked).Select(k => k.KeyDigest).ToHashSet(StringComparer.Ordinal);
        if (present.Count == 0)
        {
            return Refused(signers, SignatureRefusalReason.Unsigned, region is null
                ? $"project '{project}' requires images signed with Secure Boot v2; this one has no signature sector after the image padded to 4 KiB"
                : $"project '{project}' requires images signed with Secure Boot v2; the signature sector after the image holds no valid block");
        }

        if (signers.Any(live.Contains))
        {
            return new UploadSignatureVerdict(signers, null, null);
        }

        if (present.Where(live.Contains).ToList() is { Count: > 0 } failed)
        {
            return Refused(signers, SignatureRefusalReason.BadSignature, $"the signature block(s) of trusted key(s) {string.Join(", ", failed)} do not verify over this image");
        }

        if (present.Where(revoked.Contains).ToList() is { Count: > 0 } revokedSigners)
        {
            return Refused(signers, SignatureRefusalReason.RevokedKey, $"signed by key(s) {string.Join(", ", revokedSigners)}, revoked for project '{project}', and by no key it still trusts");
        }

        return Refused(signers, SignatureRefusalReason.UnknownKey, $"signed by key(s) {string.Join(", ", present)}, none of which project '{project}' trusts");
    }

    private static UploadSignatureVerdict Refused(IReadOnlyList<string> signers, string reason, string detail) => new(signers, reason, detail);
}
