namespace EspOta.Security;

/// <summary>What the verification made of one signature block slot.</summary>
public enum BlockStatus
{
    /// <summary>Not a block: wrong magic or version, or the CRC does not match (an erased slot too).</summary>
    Invalid,

    /// <summary>A block of another scheme or curve than the device's (ESP-IDF's <c>validate_signature_block</c> refuses it).</summary>
    WrongScheme,

    /// <summary>A well-formed block whose key digest is not one of the trusted (non-revoked) digests.</summary>
    UntrustedKey,

    /// <summary>The stored image digest is not the digest of the signed data.</summary>
    DigestMismatch,

    /// <summary>A trusted key, but the signature does not verify.</summary>
    BadSignature,

    /// <summary>The signature verifies with a trusted key.</summary>
    Verified,

    /// <summary>Not looked at: beyond the number of blocks the device checks, or after a block verified.</summary>
    NotChecked,
}
