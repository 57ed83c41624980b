namespace EspOta.Http;

/// <summary>
/// What a device keeps (e.g. in NVS) to continue a pre-encrypted download after a dropped connection
/// or a reboot: the image's public 512-byte header and how many plaintext bytes are on flash. No key
/// material: the AES key is recovered from the header again with the device key.
/// </summary>
/// <param name="Header">The 512-byte esp_encrypted_img header.</param>
/// <param name="PlaintextWritten">Plaintext bytes written to the OTA partition.</param>
public sealed record EncryptedDownloadCheckpoint(byte[] Header, long PlaintextWritten)
{
    /// <summary>The offset in the encrypted file to download from (header + the ciphertext of what is on flash).</summary>
    public long CiphertextOffset => Security.EncryptedImageHeader.Size + PlaintextWritten;
}
