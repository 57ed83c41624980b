using System.Text.Json.Serialization;

namespace EspOta.Server.Encryption;

/// <summary>A project's encryption key, as the API returns it.</summary>
/// <param name="Project">The project (<c>esp_app_desc_t.project_name</c>) whose uploads are encrypted.</param>
/// <param name="Scheme">"rsa3072" or "ecies-p256".</param>
/// <param name="Fingerprint">SHA-256 of the key's SubjectPublicKeyInfo, lowercase hex.</param>
/// <param name="PublicKeyPem">The public key PEM.</param>
/// <param name="SetAt">When it was set.</param>
public sealed record EncryptionKeyInfo(
    [property: JsonPropertyName("project")] string Project,
    [property: JsonPropertyName("scheme")] string Scheme,
    [property: JsonPropertyName("fingerprint")] string Fingerprint,
    [property: JsonPropertyName("public_key_pem")] string PublicKeyPem,
    [property: JsonPropertyName("set_at")] DateTimeOffset SetAt);
