using System.Text.Json.Serialization;

namespace EspOta.Server.Encryption;

/// <summary>How a stored image is encrypted (in firmware listings; absent for plain images).</summary>
/// <param name="Scheme">"rsa3072" or "ecies-p256".</param>
/// <param name="KeyFingerprint">The fingerprint of the public key it is encrypted for.</param>
/// <param name="ImageSha256">SHA-256 of the plain image (what a device writes to flash).</param>
/// <param name="ImageSize">Size of the plain image.</param>
public sealed record FirmwareEncryption(
    [property: JsonPropertyName("scheme")] string Scheme,
    [property: JsonPropertyName("key_fingerprint")] string KeyFingerprint,
    [property: JsonPropertyName("image_sha256")] string ImageSha256,
    [property: JsonPropertyName("image_size")] long ImageSize);
