using EspOta.Images;
using EspOta.Security;

namespace EspOta.Tests.Security;

/// <summary>Secure Boot v1 (ESP32): the 68-byte signature after the image, verified against a PEM public key.</summary>
public sealed class SecureBootV1Tests
{
    [Fact]
    public void SignThenVerify_RealImage_ValidOnlyWithTheKeyAndUnchangedBytes()
    {
        var image = File.ReadAllBytes(Vectors.PathOf("images", "secure_bootloader_unsigned_sbv1.bin"));
        using var key = SecureBootSigningKey.Generate(SignatureScheme.EcdsaP256);
        var signed = SecureBootV1.Sign(image, key);
        var parsed = AppImage.Parse(signed, Chip.Esp32);
        var v1 = Assert.IsType<SecureBootV1Signature>(parsed.SecureBootV1Signature);
        Assert.Equal(image.Length, v1.FileOffset);
        var pub = SecureBootPublicKey.FromPem(key.PublicKey.ExportPem());
        Assert.True(SecureBootV1.Verify(signed, v1.FileOffset, pub));
        using var other = SecureBootSigningKey.Generate(SignatureScheme.EcdsaP256);
        Assert.False(SecureBootV1.Verify(signed, v1.FileOffset, other.PublicKey));
        signed[100] ^= 1;
        Assert.False(SecureBootV1.Verify(signed, v1.FileOffset, pub));
    }

    [Theory]
    [InlineData("secure_bootloader_signed_sbv1")]
    [InlineData("secure_hello_world_signed")]
    public void Verify_EsptoolSignedImages_ForeignKeyIsNotValid(string name)
    {
        // The vectors carry no v1 key; a key that did not sign them must be refused without an exception.
        var image = File.ReadAllBytes(Vectors.PathOf("images", name + ".bin"));
        var parsed = AppImage.Parse(image, Chip.Esp32);
        var v1 = Assert.IsType<SecureBootV1Signature>(parsed.SecureBootV1Signature);
        using var key = SecureBootSigningKey.Generate(SignatureScheme.EcdsaP256);
        Assert.False(SecureBootV1.Verify(image, v1.FileOffset, key.PublicKey));
    }

    [Fact]
    public void Verify_NotP256OrNoBlock_Refused()
    {
        var image = File.ReadAllBytes(Vectors.PathOf("images", "secure_bootloader_signed_sbv1.bin"));
        var p384 = SecureBootPublicKey.FromPem(SecureBootVectors.PublicPem("ecdsa384_a"));
        Assert.Equal(SignatureProblem.UnsupportedKey, Assert.Throws<SignatureException>(() => SecureBootV1.Verify(image, 21696, p384)).Problem);
        var p256 = SecureBootPublicKey.FromPem(SecureBootVectors.PublicPem("ecdsa256_a"));
        Assert.Equal(SignatureProblem.NoSignature, Assert.Throws<SignatureException>(() => SecureBootV1.Verify(image, image.Length - 10, p256)).Problem);
    }

    [Fact]
    public void ReadVerificationKey_RawXy_SameAsPem()
    {
        var pem = SecureBootPublicKey.FromPem(SecureBootVectors.PublicPem("ecdsa256_a"));
        var xy = pem.Fields[1..].ToArray();
        Array.Reverse(xy, 0, 32);
        Array.Reverse(xy, 32, 32);
        Assert.Equal(pem.Digest, SecureBootV1.ReadVerificationKey(xy).Digest);
    }
}
