using EspOta.Security;

namespace EspOta.Tests.Security;

/// <summary>Keys of the vectors: digests as eFuse stores them, public PEMs as espsecure extracts them.</summary>
public sealed class SecureBootKeyVectorTests
{
    [Theory]
    [MemberData(nameof(SecureBootVectors.KeyNames), MemberType = typeof(SecureBootVectors))]
    public void Digest_FromPrivateAndPublicPem_EqualsDigestFile(string name)
    {
        var expected = SecureBootVectors.Digest(name);
        Assert.Equal(SecureBootVectors.Key(name).GetProperty("digest_hex").GetString(), expected.Hex);
        using var signing = SecureBootSigningKey.FromPem(SecureBootVectors.PrivatePem(name));
        Assert.Equal(SecureBootVectors.SchemeOf(name), signing.Scheme);
        Assert.Equal(expected, signing.PublicKey.Digest);
        var fromPublic = SecureBootPublicKey.FromPem(SecureBootVectors.PublicPem(name));
        Assert.Equal(expected, fromPublic.Digest);
        Assert.Equal(expected, SecureBootPublicKey.FromPem(SecureBootVectors.PrivatePem(name)).Digest);
    }

    [Theory]
    [MemberData(nameof(SecureBootVectors.KeyNames), MemberType = typeof(SecureBootVectors))]
    public void ExportPem_PublicKey_EqualsExtractPublicKeyOutput(string name)
    {
        using var signing = SecureBootSigningKey.FromPem(SecureBootVectors.PrivatePem(name));
        Assert.Equal(SecureBootVectors.PublicPem(name), signing.PublicKey.ExportPem());
    }

    [Theory]
    [MemberData(nameof(SecureBootVectors.KeyNames), MemberType = typeof(SecureBootVectors))]
    public void ExportPrivatePem_RoundTrips_SamePemLabelAsEspsecure(string name)
    {
        var pem = SecureBootVectors.PrivatePem(name);
        using var signing = SecureBootSigningKey.FromPem(pem);
        var exported = signing.ExportPrivatePem();
        Assert.Equal(pem.Split('\n')[0], exported.Split('\n')[0]);
        using var again = SecureBootSigningKey.FromPem(exported);
        Assert.Equal(signing.PublicKey.Digest, again.PublicKey.Digest);
    }

    [Theory]
    [InlineData(SignatureScheme.Rsa3072)]
    [InlineData(SignatureScheme.EcdsaP192)]
    [InlineData(SignatureScheme.EcdsaP256)]
    [InlineData(SignatureScheme.EcdsaP384)]
    public void Generate_EachScheme_PemReloadsWithSameDigest(SignatureScheme scheme)
    {
        using var key = SecureBootSigningKey.Generate(scheme);
        Assert.Equal(scheme, key.Scheme);
        using var again = SecureBootSigningKey.FromPem(key.ExportPrivatePem());
        Assert.Equal(key.PublicKey.Digest, again.PublicKey.Digest);
        Assert.Equal(key.PublicKey.Digest, SecureBootPublicKey.FromPem(key.PublicKey.ExportPem()).Digest);
        Assert.Equal(key.PublicKey.Digest, SecureBootPublicKey.FromPem(key.ExportPkcs8Pem()).Digest);
    }

    [Fact]
    public void FromPem_Rsa2048_UnsupportedKey()
    {
        using var rsa = System.Security.Cryptography.RSA.Create(2048);
        var ex = Assert.Throws<SignatureException>(() => SecureBootSigningKey.FromPem(rsa.ExportRSAPrivateKeyPem()));
        Assert.Equal(SignatureProblem.UnsupportedKey, ex.Problem);
        ex = Assert.Throws<SignatureException>(() => SecureBootPublicKey.FromPem(rsa.ExportSubjectPublicKeyInfoPem()));
        Assert.Equal(SignatureProblem.UnsupportedKey, ex.Problem);
    }

    [Fact]
    public void FromPem_NotPem_InvalidKeyFile()
    {
        var ex = Assert.Throws<SignatureException>(() => SecureBootPublicKey.FromPem("hello"));
        Assert.Equal(SignatureProblem.InvalidKeyFile, ex.Problem);
        ex = Assert.Throws<SignatureException>(() => SecureBootSigningKey.FromPem(SecureBootVectors.PublicPem("ecdsa256_a")));
        Assert.Equal(SignatureProblem.NotAPrivateKey, ex.Problem);
    }

    [Fact]
    public void FromPem_Secp256k1_UnsupportedKey()
    {
        using var ecdsa = System.Security.Cryptography.ECDsa.Create(System.Security.Cryptography.ECCurve.CreateFromFriendlyName("secP256k1"));
        var ex = Assert.Throws<SignatureException>(() => SecureBootSigningKey.FromPem(ecdsa.ExportECPrivateKeyPem()));
        Assert.Equal(SignatureProblem.UnsupportedKey, ex.Problem);
    }
}
