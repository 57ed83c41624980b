using EspOta.Security;
using EspOta.Server.Firmware;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;

namespace EspOta.Server.Signing;

/// <summary>
/// A project's signing policy: once a project has trusted key digests, an upload must carry a Secure Boot v2
/// signature block that verifies with one of them that is not revoked (ESP-IDF's device rule, any scheme); the
/// keys that verified are recorded, offers name them, and an image none of whose signers is still trusted is no
/// longer offered. A project without keys has no policy.
/// </summary>
internal sealed class SigningPolicy(SigningStore store)
{
    /// <summary>Problem type of a refused upload; the detail and the <c>reason</c> extension say which case.</summary>
    public const string ProblemType = "urn:esp-ota:problem:signature";

    public SigningStore Store => store;

    /// <summary>Checks an uploaded image file; returns the refusal, or the digests of the trusted keys that signed it.</summary>
    public (ProblemHttpResult? Problem, IReadOnlyList<string> Signers) Check(string path, string project)
    {
        var keys = store.Keys(project);
        if (keys.Count == 0)
        {
            return (null, []);
        }

        var bytes = File.ReadAllBytes(path);
        if (bytes.Length < SignatureSector.Size || bytes.Length % SignatureSector.Size != 0)
        {
            return (Refuse("unsigned", $"project '{project}' requires signed images; this one has no Secure Boot v2 signature sector (its size is not a multiple of 4096)"), []);
        }

        var region = SignedImageRegion.FromSignedFile(bytes);
        var trusted = keys.Where(k => !k.Revoked).Select(k => SecureBootKeyDigest.Parse(k.KeyDigest)).ToList();
        var signers = trusted.Where(d => SignatureVerifier.Verify(region.Sector, region.Digest, [d]).IsValid).Select(d => d.Hex).ToList();
        if (signers.Count > 0)
        {
            return (null, signers);
        }

        var all = SignatureVerifier.Verify(region.Sector, region.Digest, [.. keys.Select(k => SecureBootKeyDigest.Parse(k.KeyDigest))]);
        var present = region.Sector.Slots.Where(b => b.IsWellFormed).Select(b => SignatureBlockContents.Decode(b).PublicKey?.Digest.Hex).OfType<string>().ToList();
        if (present.Count == 0)
        {
            return (Refuse("unsigned", $"project '{project}' requires signed images; this one has no valid signature block"), []);
        }

        var revoked = keys.Where(k => k.Revoked).Select(k => k.KeyDigest).ToHashSet();
        if (all.Refusal is BlockStatus.BadSignature or BlockStatus.DigestMismatch && !present.All(revoked.Contains))
        {
            return (Refuse("bad-signature", $"the signature by key {string.Join(", ", present.Where(p => !revoked.Contains(p)))} does not verify over this image"), []);
        }

        if (present.Any(revoked.Contains))
        {
            return (Refuse("revoked-key", $"signed only by revoked key(s) {string.Join(", ", present.Where(revoked.Contains))}"), []);
        }

        return (Refuse("unknown-key", $"signed by key(s) {string.Join(", ", present)}, none of which project '{project}' trusts"), []);
    }

    /// <summary>True when <paramref name="record"/> may be offered: no policy, or a signer that is still trusted.</summary>
    public bool IsOfferable(FirmwareRecord record)
    {
        var keys = store.Keys(record.Project);
        if (keys.Count == 0)
        {
            return true;
        }

        var live = keys.Where(k => !k.Revoked).Select(k => k.KeyDigest).ToHashSet();
        return store.SignersOf(record.Sha256).Any(live.Contains);
    }

    /// <summary>The still-trusted keys that signed <paramref name="record"/> (empty without a policy).</summary>
    public IReadOnlyList<string> SignersOf(FirmwareRecord record)
    {
        var live = store.Keys(record.Project).Where(k => !k.Revoked).Select(k => k.KeyDigest).ToHashSet();
        return [.. store.SignersOf(record.Sha256).Where(live.Contains)];
    }

    private static ProblemHttpResult Refuse(string reason, string detail) =>
        TypedResults.Problem(detail, statusCode: StatusCodes.Status422UnprocessableEntity, title: "Signature refused", type: ProblemType,
            extensions: new Dictionary<string, object?> { ["reason"] = reason });
}
