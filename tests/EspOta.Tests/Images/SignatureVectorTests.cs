using System.Security.Cryptography;
using EspOta.Images;

namespace EspOta.Tests.Images;

/// <summary>Secure Boot signatures in the vectors, decoded.</summary>
public sealed class SignatureVectorTests
{
    private static AppImage Load(string name) =>
        AppImage.Parse(File.ReadAllBytes(Vectors.PathOf("images", name + ".bin")), Chip.Esp32);

    [Theory]
    [InlineData("secure_bootloader_signed_v2_rsa", "RSA", null)]
    [InlineData("secure_bootloader_signed_v2_ecdsa256", "ECDSA", 2)]
    [InlineData("secure_bootloader_signed_v2_ecdsa192", "ECDSA", 1)]
    public void Parse_SecureBootV2Signed_BlockSignsTheImageDigest(string name, string scheme, int? curve)
    {
        var image = Load(name);
        var block = Assert.Single(image.SignatureBlocks);
        Assert.Equal(scheme, block.Scheme);
        Assert.Equal(curve, block.CurveId);
        Assert.True(block.IsValid);
        Assert.Equal(block.StoredCrc, block.CalculatedCrc);
        // espsecure signs the SHA-256 of everything before the signature sector.
        var signed = image.Bytes.Span[..(int)image.SignatureSectorOffset!.Value];
        Assert.Equal(SHA256.HashData(signed), block.ImageDigest.ToArray());
        Assert.Null(image.SecureBootV1Signature);
    }

    [Fact]
    public void Parse_SecureBootV1Signed_SignatureAfterDigest()
    {
        var image = Load("secure_bootloader_signed_sbv1");
        var v1 = Assert.IsType<SecureBootV1Signature>(image.SecureBootV1Signature);
        Assert.Equal(image.ImageLengthWithoutSignature, v1.FileOffset);
        Assert.Equal(0u, v1.Version);
        Assert.Equal(64, v1.Signature.Length);
        Assert.Empty(image.SignatureBlocks);
        Assert.NotNull(Load("secure_hello_world_signed").SecureBootV1Signature);
    }

    [Theory]
    [InlineData("secure_bootloader_unsigned_sbv1")]
    [InlineData("secure_bootloader_unsigned_v2")]
    [InlineData("e2i_esp32_bootloader_pad_to_64KB")]
    public void Parse_Unsigned_NoSignature(string name)
    {
        var image = Load(name);
        Assert.Null(image.SecureBootV1Signature);
        Assert.Empty(image.SignatureBlocks);
        Assert.Null(image.SignatureSectorOffset);
    }
}
