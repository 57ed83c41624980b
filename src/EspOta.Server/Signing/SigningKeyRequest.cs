using System.Text.Json.Serialization;

namespace EspOta.Server.Signing;

/// <summary>The body of <c>POST /api/projects/{project}/signing-keys</c>: a key digest (hex) or a public key PEM.</summary>
/// <param name="KeyDigest">64 hex digits (<c>esp-ota key digest</c>), or null.</param>
/// <param name="PublicKeyPem">A public key PEM, or null.</param>
/// <param name="Label">A name for people.</param>
public sealed record SigningKeyRequest(
    [property: JsonPropertyName("key_digest")] string? KeyDigest,
    [property: JsonPropertyName("public_key_pem")] string? PublicKeyPem,
    [property: JsonPropertyName("label")] string? Label);
