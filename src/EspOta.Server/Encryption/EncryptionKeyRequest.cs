using System.Text.Json.Serialization;

namespace EspOta.Server.Encryption;

/// <summary>The body of <c>PUT /api/projects/{project}/encryption-key</c>.</summary>
/// <param name="PublicKeyPem">
/// The esp_encrypted_img public key as PEM: an RSA-3072 key (<c>rsa_pub_key.pem</c>) or the device's
/// P-256 key (<c>esp_encrypted_img_export_public_key</c>). Private keys are refused: the server never
/// needs, and must never hold, the key that decrypts.
/// </param>
public sealed record EncryptionKeyRequest([property: JsonPropertyName("public_key_pem")] string PublicKeyPem);
