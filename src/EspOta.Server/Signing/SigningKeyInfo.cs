using System.Text.Json.Serialization;

namespace EspOta.Server.Signing;

/// <summary>A trusted signing key of a project, as the API shows it.</summary>
/// <param name="Project">The project.</param>
/// <param name="KeyDigest">The public-key digest (hex, as eFuse stores it).</param>
/// <param name="Label">A name for people.</param>
/// <param name="Revoked">True once revoked: images signed only by it are refused and no longer offered.</param>
/// <param name="AddedAt">When it was added.</param>
public sealed record SigningKeyInfo(
    [property: JsonPropertyName("project")] string Project,
    [property: JsonPropertyName("key_digest")] string KeyDigest,
    [property: JsonPropertyName("label")] string? Label,
    [property: JsonPropertyName("revoked")] bool Revoked,
    [property: JsonPropertyName("added_at")] DateTimeOffset AddedAt);
