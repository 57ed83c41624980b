using System.Security.Cryptography;
using EspOta.Images;
using EspOta.Security;

namespace EspOta.Tests.Security;

/// <summary>The image verification hands the signature check the digest of its own single pass.</summary>
public sealed class OnePassDigestTests
{
    [Theory]
    [InlineData("rsa3072_a")]
    [InlineData("ecdsa384_a")]
    public void Verify_SecureBootV2_SignedDataDigestIsThePassOverTheSignedBytes(string keyName)
    {
        var image = File.ReadAllBytes(Vectors.PathOf("images", "e2i_esp32c6_appdesc.bin"));
        using var key = SecureBootSigningKey.FromPem(SecureBootVectors.PrivatePem(keyName));
        var signed = ImageSigner.Sign(image, [key]);
        var result = ImageVerifier.Verify(signed.Bytes, new ImageVerifyOptions { SecureBootV2 = true, SignedDataSha384 = key.Scheme == SignatureScheme.EcdsaP384 });
        Assert.True(result.IsValid, result.ToString());
        var data = signed.Bytes.AsSpan(0, (int)signed.SignedLength);
        Assert.Equal(SHA256.HashData(data), result.SignedData!.Sha256.ToArray());
        if (key.Scheme == SignatureScheme.EcdsaP384)
        {
            Assert.Equal(SHA384.HashData(data), result.SignedData.Sha384.ToArray());
        }
        else
        {
            Assert.True(result.SignedData.Sha384.IsEmpty);
        }

        Assert.True(SignatureVerifier.Verify(result.SignatureSector!, result.SignedData, [key.PublicKey.Digest], key.Scheme).IsValid);
    }

    /// <summary>
    /// Reading the sector beside a plain verification (the server's upload check) gives the Secure Boot pass's sector and
    /// digest, and leaves the plain verdict, length and SHA-256 as they are; no sector, or a cut-off one, only leaves them null.
    /// </summary>
    [Theory]
    [MemberData(nameof(SecureBootVectors.FileCaseNames), MemberType = typeof(SecureBootVectors))]
    public void Verify_ReadSignatureSector_GivesTheSecureBootPassSectorAndDigest_WithThePlainVerdict(string name)
    {
        var file = SecureBootVectors.CaseFile(SecureBootVectors.Case(name));
        var plain = ImageVerifier.Verify(file, new ImageVerifyOptions());
        var secureBoot = ImageVerifier.Verify(file, new ImageVerifyOptions { SecureBootV2 = true, SignedDataSha384 = true });
        var both = ImageVerifier.Verify(file, new ImageVerifyOptions { ReadSignatureSector = true, SignedDataSha384 = true });

        Assert.Equal(plain.IsValid, both.IsValid);
        Assert.Equal(plain.FailedCheck, both.FailedCheck);
        Assert.Equal(plain.ImageLength, both.ImageLength);
        Assert.Equal(plain.Sha256.ToArray(), both.Sha256.ToArray());
        if (plain.IsValid)
        {
            // A Secure Boot pass that stops at a cut-off sector has hashed the padding already; this one keeps no digest then.
            Assert.Equal(secureBoot.SignatureSector is null, both.SignatureSector is null);
            Assert.Equal(secureBoot.SignatureSector is null ? null : secureBoot.SignedData?.Sha256.ToArray(), both.SignedData?.Sha256.ToArray());
            Assert.Equal(secureBoot.SignatureSector is null ? null : secureBoot.SignedData?.Sha384.ToArray(), both.SignedData?.Sha384.ToArray());
            Assert.Equal(secureBoot.SignatureSector?.LeadingBlocks.Count, both.SignatureSector?.LeadingBlocks.Count);
        }

        // Where the sector is the file's last 4 KiB: one byte less, or the image alone, has none.
        if (plain.IsValid && both.SignatureSector is not null && secureBoot.IsValid && secureBoot.ImageLength == file.Length)
        {
            var cut = ImageVerifier.Verify(file.AsSpan(0, file.Length - 1).ToArray(), new ImageVerifyOptions { ReadSignatureSector = true });
            Assert.True(cut.IsValid, cut.ToString());
            Assert.Null(cut.SignatureSector);
            Assert.Null(cut.SignedData);
            var unsigned = ImageVerifier.Verify(file.AsSpan(0, (int)plain.ImageLength).ToArray(), new ImageVerifyOptions { ReadSignatureSector = true });
            Assert.True(unsigned.IsValid, unsigned.ToString());
            Assert.Null(unsigned.SignatureSector);
            Assert.Null(unsigned.SignedData);
        }
    }
}
