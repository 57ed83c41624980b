using System.Text.Json.Serialization;

namespace EspOta.Server.Signing;

/// <summary>A trusted signing key of a project, as the API shows it.</summary>
/// <param name="Project">The project.</param>
/// <param name="KeyDigest">The public-key digest, lowercase hex (<c>esp-ota key digest</c>; what eFuse <c>SECURE_BOOT_DIGESTn</c> holds).</param>
/// <param name="Label">A name for people, or null.</param>
/// <param name="AddedAt">When it was trusted.</param>
/// <param name="Revoked">True once revoked: uploads signed only by it are refused and images signed only by it are no longer offered.</param>
/// <param name="RevokedAt">When it was revoked, or null.</param>
public sealed record SigningKeyInfo(
    [property: JsonPropertyName("project")] string Project,
    [property: JsonPropertyName("key_digest")] string KeyDigest,
    [property: JsonPropertyName("label")] string? Label,
    [property: JsonPropertyName("added_at")] DateTimeOffset AddedAt,
    [property: JsonPropertyName("revoked")] bool Revoked,
    [property: JsonPropertyName("revoked_at")] DateTimeOffset? RevokedAt);
