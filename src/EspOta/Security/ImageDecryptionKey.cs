using System.Security.Cryptography;

namespace EspOta.Security;

/// <summary>
/// The device-side key of a pre-encrypted image: the RSA-3072 private key that
/// <c>esp_decrypt_cfg_t.rsa_priv_key</c> holds, or the P-256 key that the ECIES scheme derives from
/// an eFuse HMAC key (<c>esp_decrypt_cfg_t.hmac_key_id</c>).
/// </summary>
public sealed class ImageDecryptionKey : IDisposable
{
    private readonly RSA? _rsa;
    private readonly ECDiffieHellman? _ec;

    private ImageDecryptionKey(RSA? rsa, ECDiffieHellman? ec)
    {
        _rsa = rsa;
        _ec = ec;
    }

    /// <summary>Which header scheme this key reads.</summary>
    public EncryptedImageScheme Scheme => _rsa is not null ? EncryptedImageScheme.Rsa3072 : EncryptedImageScheme.EciesP256;

    /// <summary>Reads a PEM private key (RSA-3072 or P-256).</summary>
    /// <exception cref="EncryptedImageException"><see cref="EncryptedImageFailure.UnsupportedKey"/>: not such a private key.</exception>
    public static ImageDecryptionKey FromPem(ReadOnlySpan<char> pem, string source = "key")
    {
        var key = EncryptionKeyPem.Read(pem, source, out bool isPrivate);
        if (!isPrivate)
        {
            key.Dispose();
            throw EncryptionKeyPem.Unsupported(source, "a public key; decryption needs the private key");
        }

        switch (key)
        {
            case RSA rsa:
                EncryptionKeyPem.CheckRsa(rsa, source);
                return new ImageDecryptionKey(rsa, null);
            case ECDiffieHellman ec:
                EncryptionKeyPem.CheckP256(ec, source);
                return new ImageDecryptionKey(null, ec);
            default:
                key.Dispose();
                throw EncryptionKeyPem.Unsupported(source, "neither an RSA nor an EC key");
        }
    }

    /// <summary>Reads a PEM private key file.</summary>
    /// <exception cref="EncryptedImageException"><see cref="EncryptedImageFailure.UnsupportedKey"/>: not such a private key.</exception>
    public static ImageDecryptionKey Load(string path) => FromPem(File.ReadAllText(path), path);

    /// <summary>
    /// The ECIES device key derived from a 32-byte eFuse HMAC key (purpose <c>HMAC_UP</c>), as
    /// <c>compute_ecc_key_with_hmac</c> does on the chip and <c>generate_hmac_key</c> in the tool:
    /// PBKDF2-HMAC-SHA256 over the fixed salt, 2048 iterations, the 32 bytes read big-endian as the
    /// P-256 scalar.
    /// </summary>
    /// <exception cref="ArgumentException">The key is not 32 bytes.</exception>
    /// <exception cref="EncryptedImageException"><see cref="EncryptedImageFailure.UnsupportedKey"/>: the derived scalar is not in [1, n) (<c>mbedtls_ecp_check_privkey</c> fails).</exception>
    public static ImageDecryptionKey FromHmacKey(ReadOnlySpan<byte> hmacKey)
    {
        if (hmacKey.Length != EncryptedImageKdf.HmacKeySize)
        {
            throw new ArgumentException($"an eFuse HMAC key is {EncryptedImageKdf.HmacKeySize} bytes, got {hmacKey.Length}", nameof(hmacKey));
        }

        var scalar = EncryptedImageKdf.DeviceScalar(hmacKey);
        try
        {
            return FromP256Scalar(scalar, "the key derived from the eFuse HMAC key");
        }
        finally
        {
            CryptographicOperations.ZeroMemory(scalar);
        }
    }

    /// <summary>A P-256 device key from its 32-byte big-endian private scalar.</summary>
    /// <exception cref="EncryptedImageException"><see cref="EncryptedImageFailure.UnsupportedKey"/>: not in [1, n).</exception>
    public static ImageDecryptionKey FromP256Scalar(ReadOnlySpan<byte> scalar, string source = "scalar")
    {
        if (!EncryptedImageKdf.IsValidScalar(scalar))
        {
            throw EncryptionKeyPem.Unsupported(source, "not a valid P-256 private scalar (it must be 32 bytes, 1 <= d < n)");
        }

        var ec = ECDiffieHellman.Create(new ECParameters { Curve = ECCurve.NamedCurves.nistP256, D = scalar.ToArray() });
        return new ImageDecryptionKey(null, ec);
    }

    /// <summary>The public half: what images for this device are encrypted with (<c>esp_encrypted_img_export_public_key</c>).</summary>
    public ImageEncryptionKey PublicKey =>
        _rsa is not null ? ImageEncryptionKey.FromAlgorithm(CopyRsa(), "key") : ImageEncryptionKey.FromAlgorithm(ECDiffieHellman.Create(_ec!.ExportParameters(false)), "key");

    private RSA CopyRsa()
    {
        var copy = RSA.Create();
        copy.ImportParameters(_rsa!.ExportParameters(false));
        return copy;
    }

    /// <summary>
    /// The AES-256 key of an image: RSA PKCS#1 v1.5 decryption of the key area (<c>decipher_gcm_key</c>)
    /// or ECDH with the header's server point plus HKDF (<c>derive_gcm_key</c>).
    /// </summary>
    /// <exception cref="EncryptedImageException"><see cref="EncryptedImageFailure.KeyUnwrapFailed"/> or <see cref="EncryptedImageFailure.InvalidServerPublicKey"/>.</exception>
    internal byte[] RecoverGcmKey(in EncryptedImageHeader header)
    {
        if (_rsa is not null)
        {
            byte[] key;
            try
            {
                key = _rsa.Decrypt(header.KeyArea.ToArray(), RSAEncryptionPadding.Pkcs1);
            }
            catch (CryptographicException ex)
            {
                throw new EncryptedImageException(EncryptedImageFailure.KeyUnwrapFailed,
                    "the RSA-3072 key area does not decrypt with this private key (PKCS#1 v1.5 padding check failed): a wrong key or a changed byte",
                    EncryptedImageHeader.KeyAreaOffset, ex);
            }

            if (key.Length != EncryptedImageKdf.GcmKeySize)
            {
                // decipher_gcm_key asks mbedtls for at most GCM_KEY_SIZE bytes and uses all 32 as the AES key.
                CryptographicOperations.ZeroMemory(key);
                throw new EncryptedImageException(EncryptedImageFailure.KeyUnwrapFailed,
                    $"the RSA-3072 key area holds a {key.Length}-byte key, expected {EncryptedImageKdf.GcmKeySize} (AES-256)",
                    EncryptedImageHeader.KeyAreaOffset);
            }

            return key;
        }

        var point = header.ServerPublicKey.Span;
        var x = point[..32];
        var y = point[32..];
        if (!EncryptedImageKdf.IsFieldElement(x) || !EncryptedImageKdf.IsFieldElement(y))
        {
            throw new EncryptedImageException(EncryptedImageFailure.InvalidServerPublicKey,
                "the server public key has a coordinate not below the P-256 prime", EncryptedImageHeader.ServerPublicKeyOffset);
        }

        ECDiffieHellman server;
        try
        {
            server = ECDiffieHellman.Create(new ECParameters
            {
                Curve = ECCurve.NamedCurves.nistP256,
                Q = new ECPoint { X = x.ToArray(), Y = y.ToArray() },
            });
        }
        catch (CryptographicException ex)
        {
            throw new EncryptedImageException(EncryptedImageFailure.InvalidServerPublicKey,
                "the server public key is not a point on P-256", EncryptedImageHeader.ServerPublicKeyOffset, ex);
        }

        using (server)
        {
            var secret = _ec!.DeriveRawSecretAgreement(server.PublicKey);
            try
            {
                return EncryptedImageKdf.DeriveGcmKey(secret, header.KdfSalt.Span);
            }
            finally
            {
                CryptographicOperations.ZeroMemory(secret);
            }
        }
    }

    /// <inheritdoc />
    public void Dispose()
    {
        _rsa?.Dispose();
        _ec?.Dispose();
    }
}
