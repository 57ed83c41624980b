namespace EspOta.Security;

/// <summary>Why a signing, key or signature operation was refused.</summary>
public enum SignatureProblem
{
    /// <summary>The key file is not a PEM key.</summary>
    InvalidKeyFile,

    /// <summary>A key Secure Boot v2 does not support (RSA other than 3072 bits, another curve, another algorithm).</summary>
    UnsupportedKey,

    /// <summary>A private key was needed (signing) but the file holds a public key.</summary>
    NotAPrivateKey,

    /// <summary>More keys than free signature blocks (at most 3 per sector).</summary>
    TooManyKeys,

    /// <summary><c>--append</c> on an image whose signature sector already holds 3 valid blocks.</summary>
    SectorFull,

    /// <summary>The data is empty or not a multiple of 4096 bytes, so it has no signature sector.</summary>
    NotSectorAligned,

    /// <summary>A block's stored image digest is not the digest of the signed data.</summary>
    DigestMismatch,

    /// <summary>A Secure Boot v1 signature is absent or has an unknown version.</summary>
    NoSignature,
}
