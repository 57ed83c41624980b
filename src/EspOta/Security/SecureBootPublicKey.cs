using System.Buffers.Binary;
using System.Numerics;
using System.Security.Cryptography;

namespace EspOta.Security;

/// <summary>
/// A Secure Boot v2 public key in the form a signature block carries it, which is also what its eFuse
/// digest is taken over: for RSA-3072 n, e, rinv = 2^6144 mod n and m' = -n⁻¹ mod 2³² (776 bytes, numbers
/// little-endian; <c>ets_rsa_pubkey_t</c>); for ECDSA the curve id and X, Y little-endian in a 64-byte
/// (P-192, zero-padded; P-256) or 96-byte (P-384) field (<c>espsecure</c> <c>_digest_sbv2_public_key</c>).
/// </summary>
public sealed class SecureBootPublicKey
{
    private readonly byte[] _fields;

    private SecureBootPublicKey(SignatureScheme scheme, byte[] fields)
    {
        Scheme = scheme;
        _fields = fields;
        Digest = SecureBootKeyDigest.Of(fields);
    }

    /// <summary>The scheme this key is for.</summary>
    public SignatureScheme Scheme { get; }

    /// <summary>The key fields exactly as in a block (776, 65 or 97 bytes).</summary>
    public ReadOnlySpan<byte> Fields => _fields;

    /// <summary>The digest eFuse stores for this key.</summary>
    public SecureBootKeyDigest Digest { get; }

    /// <summary>Length of the key fields for a scheme.</summary>
    public static int FieldsLength(SignatureScheme scheme) => scheme switch
    {
        SignatureScheme.Rsa3072 => SignatureBlockV2.RsaKeyLength,
        SignatureScheme.EcdsaP384 => 1 + 96,
        _ => 1 + 64,
    };

    /// <summary>Builds the key of an RSA-3072 public key.</summary>
    /// <exception cref="SignatureException">Not a 3072-bit key.</exception>
    public static SecureBootPublicKey FromRsa(RSAParameters parameters)
    {
        var modulus = parameters.Modulus ?? throw new ArgumentException("no modulus", nameof(parameters));
        var exponent = parameters.Exponent ?? throw new ArgumentException("no exponent", nameof(parameters));
        var n = new BigInteger(modulus, isUnsigned: true, isBigEndian: true);
        if (n.GetBitLength() != 3072)
        {
            throw new SignatureException(SignatureProblem.UnsupportedKey,
                $"Key file has length {n.GetBitLength()} bits. Secure boot v2 only supports RSA-3072.");
        }

        var e = new BigInteger(exponent, isUnsigned: true, isBigEndian: true);
        var fields = new byte[SignatureBlockV2.RsaKeyLength];
        var span = fields.AsSpan();
        n.TryWriteBytes(span[..384], out _, isUnsigned: true, isBigEndian: false);
        BinaryPrimitives.WriteUInt32LittleEndian(span[384..], (uint)e);

        // rinv and m' are the Montgomery constants the ROM's RSA peripheral needs (espsecure _get_sbv2_rsa_primitives).
        var rinv = BigInteger.ModPow(2, 6144, n);
        rinv.TryWriteBytes(span.Slice(388, 384), out _, isUnsigned: true, isBigEndian: false);
        BinaryPrimitives.WriteUInt32LittleEndian(span[772..], MDash((uint)(n & uint.MaxValue)));
        return new SecureBootPublicKey(SignatureScheme.Rsa3072, fields);
    }

    /// <summary>Builds the key of an ECDSA public key on P-192, P-256 or P-384.</summary>
    /// <exception cref="SignatureException">Another curve.</exception>
    public static SecureBootPublicKey FromEcdsa(ECParameters parameters)
    {
        var scheme = SchemeOfCurve(parameters.Curve);
        int length = scheme.ScalarLength();
        var fields = new byte[FieldsLength(scheme)];
        fields[0] = scheme.CurveId();
        WriteLittleEndian(parameters.Q.X!, fields.AsSpan(1, length));
        WriteLittleEndian(parameters.Q.Y!, fields.AsSpan(1 + length, length));
        return new SecureBootPublicKey(scheme, fields);
    }

    /// <summary>
    /// Reads the public key from a PEM file's text: <c>PUBLIC KEY</c> (SubjectPublicKeyInfo), or the public half
    /// of <c>RSA PRIVATE KEY</c>, <c>EC PRIVATE KEY</c> or <c>PRIVATE KEY</c> (as <c>_get_sbv2_pub_key</c>).
    /// </summary>
    /// <exception cref="SignatureException">Not such a PEM, or a key Secure Boot v2 does not support.</exception>
    public static SecureBootPublicKey FromPem(string pem)
    {
        var (label, der) = PemKeys.Decode(pem);
        if (label == "PUBLIC KEY")
        {
            using var rsa = RSA.Create();
            try
            {
                rsa.ImportSubjectPublicKeyInfo(der, out _);
                return FromRsa(rsa.ExportParameters(false));
            }
            catch (CryptographicException)
            {
            }

            using var ecdsa = ECDsa.Create();
            try
            {
                ecdsa.ImportSubjectPublicKeyInfo(der, out _);
            }
            catch (CryptographicException ex)
            {
                throw new SignatureException(SignatureProblem.UnsupportedKey, "Unsupported public key for Secure Boot V2", ex);
            }

            return FromEcdsa(ecdsa.ExportParameters(false));
        }

        using var key = SecureBootSigningKey.FromPem(pem);
        return key.PublicKey;
    }

    /// <summary>Reads the key fields of a block body for <paramref name="scheme"/>; null when they are not a usable key.</summary>
    internal static SecureBootPublicKey FromFields(SignatureScheme scheme, ReadOnlySpan<byte> fields) =>
        new(scheme, fields[..FieldsLength(scheme)].ToArray());

    /// <summary>The key as a PEM <c>PUBLIC KEY</c> (what <c>espsecure.py extract_public_key --version 2</c> writes).</summary>
    public string ExportPem()
    {
        if (Scheme == SignatureScheme.Rsa3072)
        {
            using var rsa = CreateRsa();
            return rsa.ExportSubjectPublicKeyInfoPem() + "\n";
        }

        using var ecdsa = CreateEcdsa();
        return ecdsa.ExportSubjectPublicKeyInfoPem() + "\n";
    }

    /// <summary>
    /// Checks a block's signature field (little-endian, as stored) over <paramref name="digest"/> (the image
    /// digest: SHA-384 for P-384, else SHA-256). False for a wrong signature and for key fields that are no key.
    /// </summary>
    public bool VerifyDigest(ReadOnlySpan<byte> digest, ReadOnlySpan<byte> signatureField)
    {
        if (digest.Length != Scheme.DigestLength())
        {
            throw new ArgumentException($"{Scheme.DisplayName()} signs a {Scheme.DigestLength()}-byte digest, got {digest.Length}", nameof(digest));
        }

        try
        {
            if (Scheme == SignatureScheme.Rsa3072)
            {
                Span<byte> signature = stackalloc byte[SignatureBlockV2.RsaLength];
                signatureField[..SignatureBlockV2.RsaLength].CopyTo(signature);
                signature.Reverse();
                using var rsa = CreateRsa();
                return rsa.VerifyHash(digest, signature, HashAlgorithmName.SHA256, RSASignaturePadding.Pss);
            }

            int length = Scheme.ScalarLength();
            Span<byte> rs = stackalloc byte[2 * length];
            signatureField[..length].CopyTo(rs);
            rs[..length].Reverse();
            signatureField.Slice(length, length).CopyTo(rs[length..]);
            rs[length..].Reverse();
            using var ecdsa = CreateEcdsa();
            return ecdsa.VerifyHash(digest, rs, DSASignatureFormat.IeeeP1363FixedFieldConcatenation);
        }
        catch (CryptographicException)
        {
            // Key fields that are not a valid key (a point off the curve, an even modulus) verify nothing.
            return false;
        }
    }

    internal RSA CreateRsa()
    {
        var span = Fields;
        var modulus = span[..384].ToArray();
        Array.Reverse(modulus);
        uint e = BinaryPrimitives.ReadUInt32LittleEndian(span[384..]);
        var exponent = new BigInteger(e).ToByteArray(isUnsigned: true, isBigEndian: true);
        return RSA.Create(new RSAParameters { Modulus = modulus, Exponent = exponent });
    }

    internal ECDsa CreateEcdsa()
    {
        int length = Scheme.ScalarLength();
        var x = Fields.Slice(1, length).ToArray();
        var y = Fields.Slice(1 + length, length).ToArray();
        Array.Reverse(x);
        Array.Reverse(y);
        return ECDsa.Create(new ECParameters { Curve = Scheme.Curve(), Q = new ECPoint { X = x, Y = y } });
    }

    internal static SignatureScheme SchemeOfCurve(ECCurve curve)
    {
        var oid = curve.Oid;
        string? value = oid?.Value;
        string? name = oid?.FriendlyName;
        if (value == "1.2.840.10045.3.1.1" || name is "nistP192" or "prime192v1" or "secp192r1" or "ECDSA_P192")
        {
            return SignatureScheme.EcdsaP192;
        }

        if (value == "1.2.840.10045.3.1.7" || name is "nistP256" or "prime256v1" or "secp256r1" or "ECDSA_P256")
        {
            return SignatureScheme.EcdsaP256;
        }

        if (value == "1.3.132.0.34" || name is "nistP384" or "secp384r1" or "ECDSA_P384")
        {
            return SignatureScheme.EcdsaP384;
        }

        throw new SignatureException(SignatureProblem.UnsupportedKey,
            $"Key file uses incorrect curve ({name ?? value ?? "explicit parameters"}). Secure Boot V2 + ECDSA only supports NIST192p, NIST256p, NIST384p");
    }

    private static void WriteLittleEndian(byte[] bigEndian, Span<byte> destination)
    {
        // The field is exactly the coordinate size; .NET gives fixed-size coordinates for named curves.
        var value = new BigInteger(bigEndian, isUnsigned: true, isBigEndian: true);
        destination.Clear();
        value.TryWriteBytes(destination, out _, isUnsigned: true, isBigEndian: false);
    }

    // m' = -n^-1 mod 2^32 by Newton's iteration on the low word (n is odd); each step doubles the correct bits.
    private static uint MDash(uint n0)
    {
        uint x = n0;
        for (int i = 0; i < 5; i++)
        {
            x *= 2 - (n0 * x);
        }

        return unchecked(0u - x);
    }
}
