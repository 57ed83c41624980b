namespace EspOta.Server.Encryption;

/// <summary>
/// A row of <c>encrypted_firmware</c>: a stored image that is an esp_encrypted_img file (its
/// <c>firmware</c> row's sha256 and size are of that file, what downloads serve).
/// </summary>
/// <param name="Sha256">SHA-256 of the stored encrypted file (the firmware id).</param>
/// <param name="ImageSha256">SHA-256 of the plain image it decrypts to.</param>
/// <param name="ImageSize">Size of the plain image.</param>
/// <param name="Scheme">"rsa3072" or "ecies-p256".</param>
/// <param name="KeyFingerprint">The fingerprint of the public key it was encrypted for.</param>
internal sealed record EncryptedFirmwareRecord(string Sha256, string ImageSha256, long ImageSize, string Scheme, string KeyFingerprint);
