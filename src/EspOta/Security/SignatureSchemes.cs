using System.Security.Cryptography;

namespace EspOta.Security;

/// <summary>Facts about each <see cref="SignatureScheme"/>: names, block version, curve id, digest algorithm.</summary>
public static class SignatureSchemes
{
    /// <summary>Every scheme.</summary>
    public static IReadOnlyList<SignatureScheme> All { get; } =
        [SignatureScheme.Rsa3072, SignatureScheme.EcdsaP192, SignatureScheme.EcdsaP256, SignatureScheme.EcdsaP384];

    /// <summary>espsecure's <c>--scheme</c> name: <c>rsa3072</c>, <c>ecdsa192</c>, <c>ecdsa256</c>, <c>ecdsa384</c>.</summary>
    public static string ToolName(this SignatureScheme scheme) => scheme switch
    {
        SignatureScheme.Rsa3072 => "rsa3072",
        SignatureScheme.EcdsaP192 => "ecdsa192",
        SignatureScheme.EcdsaP256 => "ecdsa256",
        SignatureScheme.EcdsaP384 => "ecdsa384",
        _ => throw new ArgumentOutOfRangeException(nameof(scheme), scheme, null),
    };

    /// <summary>Parses an espsecure scheme name (case-insensitive).</summary>
    public static bool TryParse(string? name, out SignatureScheme scheme)
    {
        foreach (var candidate in All)
        {
            if (string.Equals(candidate.ToolName(), name, StringComparison.OrdinalIgnoreCase))
            {
                scheme = candidate;
                return true;
            }
        }

        scheme = default;
        return false;
    }

    /// <summary>True for the three ECDSA schemes.</summary>
    public static bool IsEcdsa(this SignatureScheme scheme) => scheme != SignatureScheme.Rsa3072;

    /// <summary>The block's version byte (<c>ESP_SECURE_BOOT_SCHEME</c>): 2 for RSA, 3 for ECDSA.</summary>
    public static byte BlockVersion(this SignatureScheme scheme) =>
        scheme.IsEcdsa() ? SignatureBlockV2.VersionEcdsa : SignatureBlockV2.VersionRsa;

    /// <summary>The ECDSA curve id byte (1, 2, 3); 0 for RSA.</summary>
    public static byte CurveId(this SignatureScheme scheme) => scheme switch
    {
        SignatureScheme.EcdsaP192 => 1,
        SignatureScheme.EcdsaP256 => 2,
        SignatureScheme.EcdsaP384 => 3,
        _ => 0,
    };

    /// <summary>The ECDSA scheme of a curve id byte, or null for an unknown id.</summary>
    public static SignatureScheme? FromCurveId(byte curveId) => curveId switch
    {
        1 => SignatureScheme.EcdsaP192,
        2 => SignatureScheme.EcdsaP256,
        3 => SignatureScheme.EcdsaP384,
        _ => null,
    };

    /// <summary>Bytes of one coordinate (or of r, s) for ECDSA; 384 (the modulus) for RSA.</summary>
    public static int ScalarLength(this SignatureScheme scheme) => scheme switch
    {
        SignatureScheme.EcdsaP192 => 24,
        SignatureScheme.EcdsaP256 => 32,
        SignatureScheme.EcdsaP384 => 48,
        _ => 384,
    };

    /// <summary>The image digest algorithm: SHA-384 for P-384 (<c>CONFIG_SECURE_BOOT_ECDSA_KEY_LEN_384_BITS</c>), else SHA-256.</summary>
    public static HashAlgorithmName DigestAlgorithm(this SignatureScheme scheme) =>
        scheme == SignatureScheme.EcdsaP384 ? HashAlgorithmName.SHA384 : HashAlgorithmName.SHA256;

    /// <summary>Length of the image digest in the block: 48 for P-384, else 32.</summary>
    public static int DigestLength(this SignatureScheme scheme) => scheme == SignatureScheme.EcdsaP384 ? 48 : 32;

    /// <summary>"RSA-3072", "ECDSA-P192", … for messages.</summary>
    public static string DisplayName(this SignatureScheme scheme) => scheme switch
    {
        SignatureScheme.Rsa3072 => "RSA-3072",
        SignatureScheme.EcdsaP192 => "ECDSA-P192",
        SignatureScheme.EcdsaP256 => "ECDSA-P256",
        SignatureScheme.EcdsaP384 => "ECDSA-P384",
        _ => scheme.ToString(),
    };

    internal static ECCurve Curve(this SignatureScheme scheme) => scheme switch
    {
        // OpenSSL knows prime192v1 by its OID even though .NET has no named constant for it.
        SignatureScheme.EcdsaP192 => ECCurve.CreateFromValue("1.2.840.10045.3.1.1"),
        SignatureScheme.EcdsaP256 => ECCurve.NamedCurves.nistP256,
        SignatureScheme.EcdsaP384 => ECCurve.NamedCurves.nistP384,
        _ => throw new ArgumentOutOfRangeException(nameof(scheme), scheme, "RSA has no curve"),
    };
}
