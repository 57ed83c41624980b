namespace EspOta.Security;

/// <summary>
/// A Secure Boot v2 signing scheme (<c>CONFIG_SECURE_SIGNED_APPS_*_SCHEME</c> plus the ECDSA curve of
/// <c>CONFIG_SECURE_BOOT_ECDSA_KEY_LEN_*</c>). A device is configured for exactly one of them.
/// </summary>
public enum SignatureScheme
{
    /// <summary>RSA-3072, RSASSA-PSS with SHA-256 and a 32-byte salt (block version 2).</summary>
    Rsa3072,

    /// <summary>ECDSA over NIST P-192 with SHA-256 (block version 3, curve id 1).</summary>
    EcdsaP192,

    /// <summary>ECDSA over NIST P-256 with SHA-256 (block version 3, curve id 2).</summary>
    EcdsaP256,

    /// <summary>ECDSA over NIST P-384 with SHA-384 (block version 3, hash type 1, curve id 3).</summary>
    EcdsaP384,
}
