using System.Security.Cryptography;
using EspOta.Images;
using EspOta.Security;

namespace EspOta.Tests.Images;

/// <summary>Secure Boot signatures in the vectors, decoded.</summary>
public sealed class SignatureVectorTests
{
    private static AppImage Load(string name) =>
        AppImage.Parse(File.ReadAllBytes(Vectors.PathOf("images", name + ".bin")), Chip.Esp32);

    [Theory]
    [InlineData("secure_bootloader_signed_v2_rsa", SignatureBlockV2.VersionRsa, null)]
    [InlineData("secure_bootloader_signed_v2_ecdsa256", SignatureBlockV2.VersionEcdsa, 2)]
    [InlineData("secure_bootloader_signed_v2_ecdsa192", SignatureBlockV2.VersionEcdsa, 1)]
    public void Parse_SecureBootV2Signed_BlockSignsTheImageDigest(string name, byte version, int? curve)
    {
        var image = Load(name);
        var block = Assert.Single(image.SignatureBlocks);
        var contents = SignatureBlockContents.Decode(block);
        Assert.Equal(version, block.Version);
        Assert.Equal(curve, version == SignatureBlockV2.VersionEcdsa ? block.Body.Span[32] : null);
        Assert.Equal(curve switch { null => SignatureScheme.Rsa3072, 2 => SignatureScheme.EcdsaP256, _ => SignatureScheme.EcdsaP192 }, contents.Scheme);
        Assert.True(block.IsWellFormed);
        Assert.Equal(block.Crc, block.CalculateCrc());
        // espsecure signs the SHA-256 of everything before the signature sector.
        var signed = image.Bytes.Span[..(int)image.SignatureSectorOffset!.Value];
        Assert.Equal(SHA256.HashData(signed), contents.ImageDigest.ToArray());
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

    [Theory]
    [InlineData("secure_bootloader_signed_v2_rsa")]
    [InlineData("secure_bootloader_signed_v2_ecdsa256")]
    [InlineData("secure_bootloader_signed_v2_ecdsa192")]
    public void Verify_SecureBootV2Signed_DigestCarriedBySignatureBlock(string name)
    {
        var bytes = File.ReadAllBytes(Vectors.PathOf("images", name + ".bin"));
        var options = new ImageVerifyOptions { ExpectedChip = Chip.Esp32, IsBootloader = true, SecureBootV2 = true };
        var result = ImageVerifier.Verify(bytes, options);
        Assert.True(result.IsValid, result.ToString());
        Assert.Single(result.SignatureBlocks);
        Assert.Equal(bytes.Length, result.ImageLength);
        Assert.Equal(SHA256.HashData(bytes), result.Sha256.ToArray());

        // A byte of the 0xFF padding before the sector: esptool still calls the image valid, the signature digest does not.
        var padded = (byte[])bytes.Clone();
        padded[(int)result.ImageLength - SignatureSector.Size - 1] ^= 1;
        Assert.True(AppImage.Parse(padded, Chip.Esp32).IsValid);
        var bad = ImageVerifier.Verify(padded, options);
        Assert.Equal(ImageCheck.Signature, bad.FailedCheck);

        // Without the sector in the space given, the image does not fit.
        Assert.Equal(ImageCheck.ImageLength, ImageVerifier.Verify(bytes, options with { MaxLength = bytes.Length - 1 }).FailedCheck);
    }

    [Fact]
    public void Verify_SecureBootV2Unsigned_Signature()
    {
        var bytes = File.ReadAllBytes(Vectors.PathOf("images", "secure_bootloader_unsigned_v2.bin"));
        var padded = new byte[bytes.Length + SignatureSector.Size];
        padded.AsSpan().Fill(0xFF);
        bytes.CopyTo(padded, 0);
        var result = ImageVerifier.Verify(padded, new ImageVerifyOptions { SecureBootV2 = true, IsBootloader = true });
        Assert.Equal(ImageCheck.Signature, result.FailedCheck);
        Assert.Empty(result.SignatureBlocks);
    }
}
