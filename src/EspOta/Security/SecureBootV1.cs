using System.Buffers.Binary;
using System.Security.Cryptography;

namespace EspOta.Security;

/// <summary>
/// Secure Boot v1 (original ESP32) app signatures: a u32 version (0) and a 64-byte ECDSA P-256 signature
/// (r‖s, big-endian) over the SHA-256 of the image, appended right after it (<c>esp_secure_boot_sig_block_t</c>;
/// <c>espsecure.py sign_data --version 1</c>, verified by ESP-IDF's <c>esp_secure_boot_verify_signature</c>).
/// </summary>
public static class SecureBootV1
{
    /// <summary>Size of the appended block.</summary>
    public const int BlockSize = 68;

    /// <summary>Appends a v1 signature to <paramref name="data"/> with a P-256 key (deterministic ECDSA is not required by the verifier).</summary>
    /// <exception cref="SignatureException">The key is not ECDSA P-256.</exception>
    public static byte[] Sign(ReadOnlySpan<byte> data, SecureBootSigningKey key)
    {
        var signature = key.SignDataV1(data);
        var output = new byte[data.Length + BlockSize];
        data.CopyTo(output);
        BinaryPrimitives.WriteUInt32LittleEndian(output.AsSpan(data.Length), 0);
        signature.CopyTo(output, data.Length + 4);
        return output;
    }

    /// <summary>
    /// Verifies the v1 signature that starts at <paramref name="signatureOffset"/> (the image end) over
    /// <c>image[0..signatureOffset)</c> with a P-256 public key.
    /// </summary>
    /// <exception cref="SignatureException">No 68-byte block there, or its version is not 0.</exception>
    public static bool Verify(ReadOnlySpan<byte> image, long signatureOffset, SecureBootPublicKey key)
    {
        if (key.Scheme != SignatureScheme.EcdsaP256)
        {
            throw new SignatureException(SignatureProblem.UnsupportedKey,
                "Public key uses incorrect curve. ESP32 Secure Boot only supports NIST256p (openssl calls this curve 'prime256v1')");
        }

        if (signatureOffset < 0 || signatureOffset + BlockSize > image.Length)
        {
            throw new SignatureException(SignatureProblem.NoSignature,
                $"no Secure Boot v1 signature block ({BlockSize} bytes) at 0x{signatureOffset:x} in {image.Length} bytes");
        }

        var block = image.Slice((int)signatureOffset, BlockSize);
        uint version = BinaryPrimitives.ReadUInt32LittleEndian(block);
        if (version != 0)
        {
            throw new SignatureException(SignatureProblem.NoSignature,
                $"Signature block has version {version}. Only version 0 is supported (at 0x{signatureOffset:x}).");
        }

        using var ecdsa = key.CreateEcdsa();
        try
        {
            return ecdsa.VerifyData(image[..(int)signatureOffset], block[4..], HashAlgorithmName.SHA256, DSASignatureFormat.IeeeP1363FixedFieldConcatenation);
        }
        catch (CryptographicException)
        {
            return false;
        }
    }

    /// <summary>A v1 verification key from a PEM (public or EC private) or the 64 raw bytes X‖Y big-endian (<c>espsecure</c>'s binary form).</summary>
    /// <exception cref="SignatureException">Not such a key.</exception>
    public static SecureBootPublicKey ReadVerificationKey(byte[] file)
    {
        if (file.Length == 64)
        {
            return SecureBootPublicKey.FromEcdsa(new ECParameters
            {
                Curve = ECCurve.NamedCurves.nistP256,
                Q = new ECPoint { X = file[..32], Y = file[32..] },
            });
        }

        return SecureBootPublicKey.FromPem(System.Text.Encoding.ASCII.GetString(file));
    }
}
