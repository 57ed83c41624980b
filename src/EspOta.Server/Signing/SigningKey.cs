namespace EspOta.Server.Signing;

/// <summary>A row of <c>signing_keys</c>: one trusted Secure Boot v2 public-key digest of a project.</summary>
/// <param name="Project">The project (<c>esp_app_desc_t.project_name</c>).</param>
/// <param name="KeyDigest">SHA-256 of the key as a signature block carries it (what eFuse stores), lowercase hex.</param>
/// <param name="Label">A name for people, or null.</param>
/// <param name="AddedAt">When it was trusted.</param>
/// <param name="RevokedAt">When it was revoked, or null while trusted.</param>
internal sealed record SigningKey(string Project, string KeyDigest, string? Label, DateTimeOffset AddedAt, DateTimeOffset? RevokedAt)
{
    /// <summary>True once revoked.</summary>
    public bool IsRevoked => RevokedAt is not null;

    /// <summary>The API's view.</summary>
    public SigningKeyInfo ToInfo() => new(Project, KeyDigest, Label, AddedAt, IsRevoked, RevokedAt);
}
