namespace EspOta.Security;

/// <summary>
/// How the AES-256 key of a pre-encrypted image is carried in its header
/// (<c>CONFIG_PRE_ENCRYPTED_OTA_USE_RSA</c> / <c>CONFIG_PRE_ENCRYPTED_OTA_USE_ECIES</c>). The
/// header does not say which; the key in use does (as <c>esp_enc_img_gen.py</c>'s <c>get_scheme</c>).
/// </summary>
public enum EncryptedImageScheme
{
    /// <summary>The random AES key encrypted with an RSA-3072 public key, PKCS#1 v1.5 padding.</summary>
    Rsa3072 = 0,

    /// <summary>
    /// The AES key derived with HKDF-SHA256 from an ECDH secret between an ephemeral server key and
    /// the device's P-256 key (which a device derives from an eFuse HMAC key).
    /// </summary>
    EciesP256 = 1,
}
