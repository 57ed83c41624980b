namespace EspOta.Server.Signing;

/// <summary>
/// One project's signing policy as the update decision needs it: which images may not be offered (none of their
/// signers is still trusted) and which trusted keys signed an offered one.
/// </summary>
internal sealed class ProjectSigning
{
    private static readonly IReadOnlySet<string> NoSigners = new HashSet<string>();
    private readonly HashSet<string> _live;
    private readonly HashSet<string> _revoked;
    private readonly IReadOnlyDictionary<string, IReadOnlySet<string>> _signers;

    public ProjectSigning(IReadOnlyList<SigningKey> keys, IReadOnlyDictionary<string, IReadOnlySet<string>> signers)
    {
        HasPolicy = keys.Count > 0;
        _live = keys.Where(k => !k.IsRevoked).Select(k => k.KeyDigest).ToHashSet(StringComparer.Ordinal);
        _revoked = keys.Where(k => k.IsRevoked).Select(k => k.KeyDigest).ToHashSet(StringComparer.Ordinal);
        _signers = signers;
    }

    /// <summary>True when the project has trusted keys (revoked or not).</summary>
    public bool HasPolicy { get; }

    /// <summary>Why the image must not be offered, or null when it may (always null without a policy).</summary>
    public string? Withholds(string sha256)
    {
        if (!HasPolicy)
        {
            return null;
        }

        var signers = _signers.GetValueOrDefault(sha256) ?? NoSigners;
        if (signers.Any(_live.Contains))
        {
            return null;
        }

        var revoked = signers.Where(_revoked.Contains).Order(StringComparer.Ordinal).ToList();
        return revoked.Count > 0
            ? $"it is signed only by revoked key(s) {string.Join(", ", revoked)}"
            : "it is not signed by a key the project trusts";
    }

    /// <summary>The still-trusted keys that signed the image, sorted; empty without a policy.</summary>
    public IReadOnlyList<string> SignedBy(string sha256) =>
        HasPolicy ? [.. (_signers.GetValueOrDefault(sha256) ?? NoSigners).Where(_live.Contains).Order(StringComparer.Ordinal)] : [];
}
