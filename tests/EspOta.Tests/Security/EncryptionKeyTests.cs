using System.Security.Cryptography;
using EspOta.Security;

namespace EspOta.Tests.Security;

/// <summary>Key files the format can and cannot use.</summary>
public sealed class EncryptionKeyTests
{
    [Fact]
    public void Load_Rsa2048_IsUnsupported()
    {
        using var rsa = RSA.Create(2048);
        var ex = Assert.Throws<EncryptedImageException>(() => ImageEncryptionKey.FromPem(rsa.ExportSubjectPublicKeyInfoPem()));
        Assert.Equal(EncryptedImageFailure.UnsupportedKey, ex.Failure);
        Assert.Equal(EncryptedImageFailure.UnsupportedKey,
            Assert.Throws<EncryptedImageException>(() => ImageDecryptionKey.FromPem(rsa.ExportPkcs8PrivateKeyPem())).Failure);
    }

    [Fact]
    public void Load_P384_IsUnsupported()
    {
        using var ec = ECDiffieHellman.Create(ECCurve.NamedCurves.nistP384);
        Assert.Equal(EncryptedImageFailure.UnsupportedKey,
            Assert.Throws<EncryptedImageException>(() => ImageEncryptionKey.FromPem(ec.ExportSubjectPublicKeyInfoPem())).Failure);
    }

    [Fact]
    public void DecryptionKey_FromPublicPem_IsUnsupported()
    {
        var pem = File.ReadAllText(EncryptedImageVectors.KeyFile("rsa_a", "rsa_pub_key.pem"));
        Assert.Equal(EncryptedImageFailure.UnsupportedKey, Assert.Throws<EncryptedImageException>(() => ImageDecryptionKey.FromPem(pem)).Failure);
    }

    [Fact]
    public void Load_NotAKey_IsUnsupported()
    {
        Assert.Equal(EncryptedImageFailure.UnsupportedKey, Assert.Throws<EncryptedImageException>(() => ImageEncryptionKey.FromPem("hello")).Failure);
        Assert.Equal(EncryptedImageFailure.UnsupportedKey,
            Assert.Throws<EncryptedImageException>(() => ImageEncryptionKey.FromPem("-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n")).Failure);
    }

    [Fact]
    public void Scalar_ZeroOrNotBelowTheOrder_IsUnsupported()
    {
        Assert.Throws<EncryptedImageException>(() => ImageDecryptionKey.FromP256Scalar(new byte[32]));
        var order = Convert.FromHexString("ffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632551");
        Assert.Throws<EncryptedImageException>(() => ImageDecryptionKey.FromP256Scalar(order));
        order[^1]--;
        using var largest = ImageDecryptionKey.FromP256Scalar(order);
        Assert.Equal(EncryptedImageScheme.EciesP256, largest.Scheme);
    }

    [Fact]
    public void HmacKey_WrongLength_IsACallerBug()
    {
        Assert.Throws<ArgumentException>(() => ImageDecryptionKey.FromHmacKey(new byte[16]));
    }

    [Fact]
    public void PublicKey_ExportPem_RoundTrips()
    {
        using var key = ImageEncryptionKey.Load(EncryptedImageVectors.KeyFile("ecc_a", "device_pub_key.pem"));
        using var again = ImageEncryptionKey.FromPem(key.ExportPem());
        Assert.Equal(key.Fingerprint, again.Fingerprint);
        Assert.Equal(File.ReadAllText(EncryptedImageVectors.KeyFile("ecc_a", "device_pub_key.pem")).Trim(), key.ExportPem().Trim());
    }
}
