using System.Numerics;
using System.Security.Cryptography;

namespace EspOta.Security;

/// <summary>
/// The ECIES-P256 device key of <c>esp_encrypted_img</c>: a 32-byte HMAC key (eFuse, purpose HMAC_UP) from
/// which the P-256 private scalar is derived as PBKDF2-HMAC-SHA256(HMAC key, fixed salt, 2048 iterations)
/// read big-endian (<c>esp_enc_img_gen.py --generate_ecc_key</c>, <c>generate_hmac_key</c>).
/// </summary>
public sealed class EciesDeviceKey : IDisposable
{
    /// <summary>Length of the HMAC key.</summary>
    public const int HmacKeyLength = 32;

    /// <summary>PBKDF2 iterations (<c>ITERATIONS</c>).</summary>
    public const int Iterations = 2048;

    private static readonly byte[] Salt = Convert.FromHexString("0e2160642dae76d33448e43d7720123d9f3b1eceb88e573a4e8f7fb94ff0c869");

    private static readonly BigInteger Order = BigInteger.Parse("0FFFFFFFF00000000FFFFFFFFFFFFFFFFBCE6FAADA7179E84F3B9CAC2FC632551", System.Globalization.NumberStyles.HexNumber);

    private readonly byte[] _hmacKey;

    private EciesDeviceKey(byte[] hmacKey, ECDsa key)
    {
        _hmacKey = hmacKey;
        Key = key;
    }

    /// <summary>The HMAC key (<c>device_hmac_key.bin</c>).</summary>
    public ReadOnlySpan<byte> HmacKey => _hmacKey;

    /// <summary>The derived P-256 key pair.</summary>
    public ECDsa Key { get; }

    /// <summary>A fresh HMAC key and its derived key pair (the tool retries until the scalar is valid).</summary>
    public static EciesDeviceKey Generate()
    {
        while (true)
        {
            var hmac = RandomNumberGenerator.GetBytes(HmacKeyLength);
            if (TryFromHmacKey(hmac) is { } key)
            {
                return key;
            }
        }
    }

    /// <summary>Derives the key pair of <paramref name="hmacKey"/>.</summary>
    /// <exception cref="ArgumentException">Not 32 bytes, or the derived scalar is 0 or ≥ n (the tool would draw again).</exception>
    public static EciesDeviceKey FromHmacKey(ReadOnlySpan<byte> hmacKey) =>
        TryFromHmacKey(hmacKey) ?? throw new ArgumentException("the derived P-256 scalar is not in [1, n)", nameof(hmacKey));

    /// <summary>The P-256 private scalar (32 bytes big-endian) the device derives from <paramref name="hmacKey"/>.</summary>
    public static byte[] DeriveScalar(ReadOnlySpan<byte> hmacKey)
    {
        if (hmacKey.Length != HmacKeyLength)
        {
            throw new ArgumentException($"the HMAC key is {HmacKeyLength} bytes, got {hmacKey.Length}", nameof(hmacKey));
        }

        return Rfc2898DeriveBytes.Pbkdf2(hmacKey, Salt, Iterations, HashAlgorithmName.SHA256, 32);
    }

    /// <summary><c>device_priv_key.pem</c>: PKCS#8 <c>PRIVATE KEY</c>.</summary>
    public string ExportPrivatePem() => Key.ExportPkcs8PrivateKeyPem() + "\n";

    /// <summary><c>device_pub_key.pem</c>: SubjectPublicKeyInfo <c>PUBLIC KEY</c>.</summary>
    public string ExportPublicPem() => Key.ExportSubjectPublicKeyInfoPem() + "\n";

    /// <inheritdoc />
    public void Dispose() => Key.Dispose();

    private static EciesDeviceKey? TryFromHmacKey(ReadOnlySpan<byte> hmacKey)
    {
        var scalar = DeriveScalar(hmacKey);
        var d = new BigInteger(scalar, isUnsigned: true, isBigEndian: true);
        if (d.IsZero || d >= Order)
        {
            return null;
        }

        var key = ECDsa.Create(new ECParameters { Curve = ECCurve.NamedCurves.nistP256, D = scalar });
        return new EciesDeviceKey(hmacKey.ToArray(), key);
    }
}
