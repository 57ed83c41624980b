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
}
