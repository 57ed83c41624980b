using System.Text.Json.Serialization;

namespace EspOta.Server.Signing;

/// <summary>The body of <c>POST /api/projects/{project}/signing-keys</c>: exactly one of a key digest or a public key PEM; each member is optional.</summary>
public sealed record AddSigningKeyRequest
{
    /// <summary>64 hex digits (<c>esp-ota key digest</c>), or null.</summary>
    [JsonPropertyName("key_digest")]
    public string? KeyDigest { get; init; }

    /// <summary>A PEM public key (or private key: only its public half is used), or null.</summary>
    [JsonPropertyName("public_key_pem")]
    public string? PublicKeyPem { get; init; }

    /// <summary>A name for people, or null.</summary>
    [JsonPropertyName("label")]
    public string? Label { get; init; }
}
