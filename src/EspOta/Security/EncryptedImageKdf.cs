using System.Security.Cryptography;

namespace EspOta.Security;

/// <summary>
/// The key derivations of the ECIES-P256 scheme, as <c>esp_enc_img_gen.py</c>
/// (<c>generate_key_GCM</c>, <c>generate_hmac_key</c>) and <c>esp_encrypted_img.c</c>
/// (<c>derive_gcm_key</c>, <c>compute_ecc_key_with_hmac</c>) do them.
/// </summary>
internal static class EncryptedImageKdf
{
    /// <summary><c>GCM_KEY_SIZE</c>: AES-256.</summary>
    public const int GcmKeySize = 32;

    /// <summary>The HKDF info string of <c>generate_key_GCM</c> / <c>derive_gcm_key</c>.</summary>
    public static ReadOnlySpan<byte> HkdfInfo => "_esp_enc_img_ecc"u8;

    /// <summary><c>pbkdf2_salt</c> (esp_encrypted_img.c) = <c>PREDEFINED_SALT</c> (the tool).</summary>
    public static ReadOnlySpan<byte> DeviceKeySalt =>
    [
        0x0e, 0x21, 0x60, 0x64, 0x2d, 0xae, 0x76, 0xd3, 0x34, 0x48, 0xe4, 0x3d, 0x77, 0x20, 0x12, 0x3d,
        0x9f, 0x3b, 0x1e, 0xce, 0xb8, 0x8e, 0x57, 0x3a, 0x4e, 0x8f, 0x7f, 0xb9, 0x4f, 0xf0, 0xc8, 0x69,
    ];

    /// <summary><c>PBKDF2_ITERATIONS</c> / <c>ITERATIONS</c>.</summary>
    public const int DeviceKeyIterations = 2048;

    /// <summary><c>HMAC_KEY_SIZE</c>: an eFuse key block.</summary>
    public const int HmacKeySize = 32;

    /// <summary>The order n of P-256, big-endian: a private scalar must be in [1, n).</summary>
    public static ReadOnlySpan<byte> P256Order =>
    [
        0xff, 0xff, 0xff, 0xff, 0x00, 0x00, 0x00, 0x00, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
        0xbc, 0xe6, 0xfa, 0xad, 0xa7, 0x17, 0x9e, 0x84, 0xf3, 0xb9, 0xca, 0xc2, 0xfc, 0x63, 0x25, 0x51,
    ];

    /// <summary>The field prime p of P-256, big-endian: coordinates must be below it (<c>mbedtls_ecp_check_pubkey</c>).</summary>
    public static ReadOnlySpan<byte> P256Prime =>
    [
        0xff, 0xff, 0xff, 0xff, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
        0x00, 0x00, 0x00, 0x00, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
    ];

    /// <summary>AES key = HKDF-SHA256(IKM = ECDH X coordinate, salt, info = <c>_esp_enc_img_ecc</c>, 32 bytes).</summary>
    public static byte[] DeriveGcmKey(ReadOnlySpan<byte> sharedSecret, ReadOnlySpan<byte> salt)
    {
        var key = new byte[GcmKeySize];
        HKDF.DeriveKey(HashAlgorithmName.SHA256, sharedSecret, key, salt, HkdfInfo);
        return key;
    }

    /// <summary>
    /// The device's P-256 private scalar from its eFuse HMAC key: PBKDF2-HMAC-SHA256 with the HMAC key
    /// as password (the hardware HMAC peripheral keyed by the eFuse block computes exactly those HMACs,
    /// <c>esp_encrypted_img_pbkdf2_hmac_sha256</c>), read big-endian.
    /// </summary>
    public static byte[] DeviceScalar(ReadOnlySpan<byte> hmacKey) =>
        Rfc2898DeriveBytes.Pbkdf2(hmacKey, DeviceKeySalt, DeviceKeyIterations, HashAlgorithmName.SHA256, 32);

    /// <summary>Whether a 32-byte big-endian scalar is a valid P-256 private key (1 ≤ d &lt; n, <c>mbedtls_ecp_check_privkey</c>).</summary>
    public static bool IsValidScalar(ReadOnlySpan<byte> scalar) =>
        scalar.Length == 32 && scalar.IndexOfAnyExcept((byte)0) >= 0 && scalar.SequenceCompareTo(P256Order) < 0;

    /// <summary>Whether a 32-byte big-endian coordinate is below p.</summary>
    public static bool IsFieldElement(ReadOnlySpan<byte> coordinate) =>
        coordinate.Length == 32 && coordinate.SequenceCompareTo(P256Prime) < 0;
}
