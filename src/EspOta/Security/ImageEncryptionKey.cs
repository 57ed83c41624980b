using System.Security.Cryptography;

namespace EspOta.Security;

/// <summary>
/// The public key a pre-encrypted image is made for: an RSA-3072 key (<c>rsa_pub_key.pem</c>) or the
/// device's P-256 key (<c>device_pub_key.pem</c>). Like <c>esp_enc_img_gen.py encrypt</c>, a private
/// key file is accepted too and only its public half is used.
/// </summary>
public sealed class ImageEncryptionKey : IDisposable
{
    private readonly RSA? _rsa;
    private readonly ECDiffieHellman? _ec;

    private ImageEncryptionKey(RSA? rsa, ECDiffieHellman? ec)
    {
        _rsa = rsa;
        _ec = ec;
    }

    /// <summary>Which header scheme images for this key use.</summary>
    public EncryptedImageScheme Scheme => _rsa is not null ? EncryptedImageScheme.Rsa3072 : EncryptedImageScheme.EciesP256;

    /// <summary>Reads a PEM key (public or private, RSA-3072 or P-256).</summary>
    /// <param name="pem">The PEM text.</param>
    /// <param name="source">Where it came from, for messages.</param>
    /// <exception cref="EncryptedImageException"><see cref="EncryptedImageFailure.UnsupportedKey"/>: not such a key.</exception>
    public static ImageEncryptionKey FromPem(ReadOnlySpan<char> pem, string source = "key")
    {
        var key = EncryptionKeyPem.Read(pem, source, out _);
        return FromAlgorithm(key, source);
    }

    /// <summary>Reads a PEM key file.</summary>
    /// <exception cref="EncryptedImageException"><see cref="EncryptedImageFailure.UnsupportedKey"/>: not such a key.</exception>
    public static ImageEncryptionKey Load(string path) => FromPem(File.ReadAllText(path), path);

    /// <summary>Reads a DER <c>SubjectPublicKeyInfo</c> (what <see cref="ExportSubjectPublicKeyInfo"/> writes).</summary>
    /// <exception cref="EncryptedImageException"><see cref="EncryptedImageFailure.UnsupportedKey"/>: not such a key.</exception>
    public static ImageEncryptionKey FromSubjectPublicKeyInfo(ReadOnlySpan<byte> der, string source = "key")
    {
        var rsa = RSA.Create();
        try
        {
            rsa.ImportSubjectPublicKeyInfo(der, out _);
            return FromAlgorithm(rsa, source);
        }
        catch (CryptographicException)
        {
            rsa.Dispose();
        }

        var ec = ECDiffieHellman.Create();
        try
        {
            ec.ImportSubjectPublicKeyInfo(der, out _);
        }
        catch (CryptographicException ex)
        {
            ec.Dispose();
            throw EncryptionKeyPem.Unsupported(source, "not an RSA or EC SubjectPublicKeyInfo", ex);
        }

        return FromAlgorithm(ec, source);
    }

    internal static ImageEncryptionKey FromAlgorithm(AsymmetricAlgorithm key, string source)
    {
        switch (key)
        {
            case RSA rsa:
                EncryptionKeyPem.CheckRsa(rsa, source);
                var publicRsa = RSA.Create();
                publicRsa.ImportParameters(rsa.ExportParameters(false));
                key.Dispose();
                return new ImageEncryptionKey(publicRsa, null);
            case ECDiffieHellman ec:
                EncryptionKeyPem.CheckP256(ec, source);
                var publicEc = ECDiffieHellman.Create(ec.ExportParameters(false));
                key.Dispose();
                return new ImageEncryptionKey(null, publicEc);
            default:
                key.Dispose();
                throw EncryptionKeyPem.Unsupported(source, "neither an RSA nor an EC key");
        }
    }

    /// <summary>The DER <c>SubjectPublicKeyInfo</c>.</summary>
    public byte[] ExportSubjectPublicKeyInfo() =>
        _rsa is not null ? _rsa.ExportSubjectPublicKeyInfo() : _ec!.ExportSubjectPublicKeyInfo();

    /// <summary>The key as a <c>-----BEGIN PUBLIC KEY-----</c> PEM, as the tool writes it.</summary>
    public string ExportPem() => PemEncoding.WriteString("PUBLIC KEY", ExportSubjectPublicKeyInfo()) + "\n";

    /// <summary>SHA-256 of the <c>SubjectPublicKeyInfo</c>, lower-case hex: a short name for the key.</summary>
    public string Fingerprint => Convert.ToHexStringLower(SHA256.HashData(ExportSubjectPublicKeyInfo()));

    /// <summary>
    /// Chooses a fresh AES-256 key and fills <paramref name="keyArea"/> with what carries it:
    /// for RSA the PKCS#1 v1.5 ciphertext of a random key (<c>encrypt</c> in the tool); for ECIES an
    /// ephemeral P-256 key pair's point, a random HKDF salt and zeros.
    /// </summary>
    internal byte[] CreateGcmKey(Span<byte> keyArea)
    {
        keyArea.Clear();
        if (_rsa is not null)
        {
            var gcmKey = RandomNumberGenerator.GetBytes(EncryptedImageKdf.GcmKeySize);
            var wrapped = _rsa.Encrypt(gcmKey, RSAEncryptionPadding.Pkcs1);
            wrapped.CopyTo(keyArea);
            return gcmKey;
        }

        using var ephemeral = ECDiffieHellman.Create(ECCurve.NamedCurves.nistP256);
        var point = ephemeral.ExportParameters(false).Q;
        point.X!.CopyTo(keyArea);
        point.Y!.CopyTo(keyArea[32..]);
        var salt = keyArea.Slice(EncryptedImageHeader.ServerPublicKeySize, EncryptedImageHeader.KdfSaltSize);
        RandomNumberGenerator.Fill(salt);
        var secret = ephemeral.DeriveRawSecretAgreement(_ec!.PublicKey);
        try
        {
            return EncryptedImageKdf.DeriveGcmKey(secret, salt);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(secret);
        }
    }

    /// <inheritdoc />
    public void Dispose()
    {
        _rsa?.Dispose();
        _ec?.Dispose();
    }
}
