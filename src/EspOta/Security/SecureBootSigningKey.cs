using System.Security.Cryptography;

namespace EspOta.Security;

/// <summary>
/// A Secure Boot v2 private key (RSA-3072 or ECDSA P-192/P-256/P-384) that signs image digests into
/// signature blocks exactly as <c>espsecure.py sign_data --version 2</c> does.
/// </summary>
public sealed class SecureBootSigningKey : IDisposable
{
    private readonly RSA? _rsa;
    private readonly ECDsa? _ecdsa;

    private SecureBootSigningKey(RSA rsa)
    {
        _rsa = rsa;
        PublicKey = SecureBootPublicKey.FromRsa(rsa.ExportParameters(false));
        Scheme = SignatureScheme.Rsa3072;
    }

    private SecureBootSigningKey(ECDsa ecdsa)
    {
        _ecdsa = ecdsa;
        PublicKey = SecureBootPublicKey.FromEcdsa(ecdsa.ExportParameters(false));
        Scheme = PublicKey.Scheme;
    }

    /// <summary>The scheme of this key.</summary>
    public SignatureScheme Scheme { get; }

    /// <summary>The public half, as a block carries it.</summary>
    public SecureBootPublicKey PublicKey { get; }

    /// <summary>Generates a fresh key (<c>espsecure.py generate_signing_key --version 2 --scheme …</c>; RSA e = 65537).</summary>
    public static SecureBootSigningKey Generate(SignatureScheme scheme) => scheme == SignatureScheme.Rsa3072
        ? new SecureBootSigningKey(RSA.Create(3072))
        : new SecureBootSigningKey(ECDsa.Create(scheme.Curve()));

    /// <summary>Loads a private key PEM: <c>RSA PRIVATE KEY</c> (PKCS#1), <c>EC PRIVATE KEY</c> (SEC1) or <c>PRIVATE KEY</c> (PKCS#8).</summary>
    /// <exception cref="SignatureException">Not a private key PEM, or a key Secure Boot v2 does not support.</exception>
    public static SecureBootSigningKey FromPem(string pem)
    {
        var (label, der) = PemKeys.Decode(pem);
        switch (label)
        {
            case "RSA PRIVATE KEY":
                return FromRsa(rsa => rsa.ImportRSAPrivateKey(der, out _));
            case "EC PRIVATE KEY":
                return FromEcdsa(ecdsa => ecdsa.ImportECPrivateKey(der, out _));
            case "PRIVATE KEY":
                try
                {
                    return FromRsa(rsa => rsa.ImportPkcs8PrivateKey(der, out _));
                }
                catch (SignatureException ex) when (ex.InnerException is CryptographicException)
                {
                    return FromEcdsa(ecdsa => ecdsa.ImportPkcs8PrivateKey(der, out _));
                }

            case "PUBLIC KEY":
                throw new SignatureException(SignatureProblem.NotAPrivateKey, "the key file holds a public key; signing needs the private key");
            default:
                throw new SignatureException(SignatureProblem.UnsupportedKey, $"Unsupported signing key for Secure Boot V2 (PEM '{label}')");
        }
    }

    /// <summary>Loads <paramref name="path"/> with <see cref="FromPem"/>.</summary>
    public static SecureBootSigningKey Load(string path) => FromPem(File.ReadAllText(path));

    /// <summary>
    /// The private key as espsecure writes it: RSA as PKCS#1 <c>RSA PRIVATE KEY</c> (TraditionalOpenSSL),
    /// ECDSA as SEC1 <c>EC PRIVATE KEY</c> with the named curve and the public point (python-ecdsa <c>to_pem</c>).
    /// </summary>
    public string ExportPrivatePem() => (_rsa is not null ? _rsa.ExportRSAPrivateKeyPem() : _ecdsa!.ExportECPrivateKeyPem()) + "\n";

    /// <summary>The private key as PKCS#8 <c>PRIVATE KEY</c> (the form of <c>esp_enc_img_gen.py</c>'s device key).</summary>
    public string ExportPkcs8Pem() => (_rsa is not null ? _rsa.ExportPkcs8PrivateKeyPem() : _ecdsa!.ExportPkcs8PrivateKeyPem()) + "\n";

    /// <summary>
    /// Builds one signature block over <paramref name="digest"/> (SHA-384 of the signed data for P-384, else
    /// SHA-256): RSASSA-PSS/MGF1-SHA-256/salt 32 or ECDSA, numbers little-endian, CRC set, padding zero.
    /// </summary>
    public SignatureBlockV2 SignDigest(ReadOnlySpan<byte> digest)
    {
        if (digest.Length != Scheme.DigestLength())
        {
            throw new ArgumentException($"{Scheme.DisplayName()} signs a {Scheme.DigestLength()}-byte digest, got {digest.Length}", nameof(digest));
        }

        var body = new byte[SignatureBlockV2.BodyLength];
        digest.CopyTo(body);
        int keyOffset = digest.Length;
        PublicKey.Fields.CopyTo(body.AsSpan(keyOffset));
        int signatureOffset = keyOffset + SecureBootPublicKey.FieldsLength(Scheme);
        if (_rsa is not null)
        {
            // .NET's PSS salt is the hash length, 32 bytes for SHA-256: what espsecure asks for.
            var signature = _rsa.SignHash(digest, HashAlgorithmName.SHA256, RSASignaturePadding.Pss);
            signature.AsSpan().Reverse();
            signature.CopyTo(body, signatureOffset);
        }
        else
        {
            int length = Scheme.ScalarLength();
            var rs = _ecdsa!.SignHash(digest, DSASignatureFormat.IeeeP1363FixedFieldConcatenation);
            rs.AsSpan(0, length).Reverse();
            rs.AsSpan(length, length).Reverse();
            rs.CopyTo(body, signatureOffset);
        }

        var block = new SignatureBlockV2(
            SignatureBlockV2.MagicByte,
            Scheme.BlockVersion(),
            Scheme == SignatureScheme.EcdsaP384 ? SignatureBlockV2.HashTypeSha384 : (byte)0,
            0,
            body,
            0,
            new byte[SignatureBlockV2.PaddingLength]);
        return block.WithCrc();
    }

    /// <summary>A raw ECDSA P-256 signature (r‖s big-endian, 64 bytes) over SHA-256 of <paramref name="data"/>, for Secure Boot v1.</summary>
    internal byte[] SignDataV1(ReadOnlySpan<byte> data) =>
        _ecdsa is not null && Scheme == SignatureScheme.EcdsaP256
            ? _ecdsa.SignData(data, HashAlgorithmName.SHA256, DSASignatureFormat.IeeeP1363FixedFieldConcatenation)
            : throw new SignatureException(SignatureProblem.UnsupportedKey,
                "Signing key uses incorrect curve. ESP32 Secure Boot only supports NIST256p (openssl calls this curve 'prime256v1')");

    /// <inheritdoc />
    public void Dispose()
    {
        _rsa?.Dispose();
        _ecdsa?.Dispose();
    }

    private static SecureBootSigningKey FromRsa(Action<RSA> import)
    {
        var rsa = RSA.Create();
        try
        {
            import(rsa);
            return new SecureBootSigningKey(rsa);
        }
        catch (CryptographicException ex)
        {
            rsa.Dispose();
            throw new SignatureException(SignatureProblem.UnsupportedKey, "Incorrect private key specified. Please check algorithm and/or format.", ex);
        }
        catch
        {
            rsa.Dispose();
            throw;
        }
    }

    private static SecureBootSigningKey FromEcdsa(Action<ECDsa> import)
    {
        var ecdsa = ECDsa.Create();
        try
        {
            import(ecdsa);
            return new SecureBootSigningKey(ecdsa);
        }
        catch (CryptographicException ex)
        {
            ecdsa.Dispose();
            throw new SignatureException(SignatureProblem.UnsupportedKey, "Incorrect private key specified. Please check algorithm and/or format.", ex);
        }
        catch
        {
            ecdsa.Dispose();
            throw;
        }
    }
}
