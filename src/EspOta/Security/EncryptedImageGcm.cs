using Org.BouncyCastle.Crypto;
using Org.BouncyCastle.Crypto.Modes;
using Org.BouncyCastle.Crypto.Parameters;

namespace EspOta.Security;

/// <summary>
/// AES-256-GCM with the format's 16-byte nonce and 128-bit tag, no AAD, fed incrementally
/// (<c>mbedtls_gcm_starts/update/finish</c> in esp_encrypted_img.c). BouncyCastle's GCM is used
/// because the base library's <c>AesGcm</c> is one-shot only and accepts 12-byte nonces only.
/// </summary>
internal static class EncryptedImageGcm
{
    public const int TagBits = EncryptedImageHeader.AuthTagSize * 8;

    /// <remarks>AesUtilities picks the AES-NI engine where the CPU has it, the table engine otherwise.</remarks>
    public static GcmBlockCipher Create(bool encrypt, ReadOnlySpan<byte> key, ReadOnlySpan<byte> iv)
    {
        var gcm = new GcmBlockCipher(AesUtilities.CreateEngine());
        gcm.Init(encrypt, new AeadParameters(new KeyParameter(key), TagBits, iv.ToArray()));
        return gcm;
    }
}
