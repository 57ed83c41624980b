using System.Security.Cryptography;

namespace EspOta.Security;

/// <summary>
/// Reads the PEM key files that <c>esp_enc_img_gen.py</c> and OpenSSL write (<c>PUBLIC KEY</c>,
/// <c>RSA PUBLIC KEY</c>, <c>PRIVATE KEY</c>, <c>RSA PRIVATE KEY</c>, <c>EC PRIVATE KEY</c>; an
/// <c>EC PARAMETERS</c> block before the key is skipped) into an RSA or EC key, whichever it is.
/// </summary>
internal static class EncryptionKeyPem
{
    /// <summary>The OID of NIST P-256 (secp256r1, <c>MBEDTLS_ECP_DP_SECP256R1</c>).</summary>
    public const string P256Oid = "1.2.840.10045.3.1.7";

    public static AsymmetricAlgorithm Read(ReadOnlySpan<char> pem, string source, out bool isPrivate)
    {
        var rest = pem;
        while (PemEncoding.TryFind(rest, out var fields))
        {
            var label = rest[fields.Label].ToString();
            var block = rest[fields.Location];
            rest = rest[fields.Location.End.Value..];
            switch (label)
            {
                case "EC PARAMETERS":
                    continue;
                case "ENCRYPTED PRIVATE KEY":
                    throw Unsupported(source, "the key is password-protected (ENCRYPTED PRIVATE KEY); the tool and the device read unencrypted keys only");
                case "PUBLIC KEY" or "RSA PUBLIC KEY":
                    isPrivate = false;
                    return Import(block, label, source);
                case "PRIVATE KEY" or "RSA PRIVATE KEY" or "EC PRIVATE KEY":
                    isPrivate = true;
                    return Import(block, label, source);
                default:
                    throw Unsupported(source, $"a PEM block '{label}' is not a key");
            }
        }

        throw Unsupported(source, "no PEM key block (-----BEGIN … KEY-----) found");
    }

    private static AsymmetricAlgorithm Import(ReadOnlySpan<char> block, string label, string source)
    {
        if (label is not "EC PRIVATE KEY")
        {
            var rsa = RSA.Create();
            try
            {
                rsa.ImportFromPem(block);
                return rsa;
            }
            catch (CryptographicException) when (label is "PUBLIC KEY" or "PRIVATE KEY")
            {
                rsa.Dispose();
            }
            catch (CryptographicException ex)
            {
                rsa.Dispose();
                throw Unsupported(source, $"the {label} block is not a readable RSA key ({ex.Message})", ex);
            }
        }

        var ec = ECDiffieHellman.Create();
        try
        {
            ec.ImportFromPem(block);
            return ec;
        }
        catch (CryptographicException ex)
        {
            ec.Dispose();
            throw Unsupported(source, $"the {label} block is neither an RSA nor an EC key this format can use ({ex.Message})", ex);
        }
    }

    public static void CheckRsa(RSA rsa, string source)
    {
        if (rsa.KeySize != 3072)
        {
            throw Unsupported(source, $"an RSA-{rsa.KeySize} key; esp_encrypted_img needs RSA-3072 (its key area holds exactly {EncryptedImageHeader.KeyAreaSize} bytes)");
        }
    }

    public static void CheckP256(ECDiffieHellman ec, string source)
    {
        var curve = ec.ExportParameters(false).Curve;
        if (!curve.IsNamed || curve.Oid.Value != P256Oid)
        {
            throw Unsupported(source, $"an EC key on {curve.Oid.FriendlyName ?? curve.Oid.Value ?? "an explicit curve"}; esp_encrypted_img's ECIES uses P-256 (secp256r1) only");
        }
    }

    public static EncryptedImageException Unsupported(string source, string message, Exception? inner = null) =>
        new(EncryptedImageFailure.UnsupportedKey, $"{source}: {message}", innerException: inner);
}
