namespace EspOta.Security;

/// <summary>Why a pre-encrypted image was rejected (<see cref="EncryptedImageException.Failure"/>).</summary>
public enum EncryptedImageFailure
{
    /// <summary>The first four bytes are not <see cref="EncryptedImageHeader.ImageMagic"/> (checked first, as the component does).</summary>
    BadMagic = 1,

    /// <summary>The RSA key area does not decrypt to a 32-byte key with this private key (wrong key or a changed byte).</summary>
    KeyUnwrapFailed = 2,

    /// <summary>The ECIES server point is not a valid P-256 point.</summary>
    InvalidServerPublicKey = 3,

    /// <summary>Fewer bytes arrived than the header (512) plus <see cref="EncryptedImageHeader.PlainLength"/>.</summary>
    Truncated = 4,

    /// <summary>More ciphertext arrived than <see cref="EncryptedImageHeader.PlainLength"/> (the device's <c>esp_encrypted_img_decrypt_end</c> fails).</summary>
    TrailingData = 5,

    /// <summary>The GCM tag does not match: a wrong key, a changed byte of ciphertext or tag, or a changed IV or length.</summary>
    AuthenticationFailed = 6,

    /// <summary>A key is not usable for the format (not RSA-3072 or P-256, not a PEM key, an invalid derived scalar).</summary>
    UnsupportedKey = 7,

    /// <summary>The plaintext does not fit the header's 32-bit length field.</summary>
    TooLarge = 8,
}
