using CsCheck;
using EspOta.Security;
using Xunit.Abstractions;

namespace EspOta.Tests.Security;

/// <summary>Our signatures over every input and scheme; any changed byte in the covered region is refused.</summary>
public sealed class SignaturePropertyTests(ITestOutputHelper output)
{
    private static readonly string[] KeyPerScheme = ["rsa3072_a", "ecdsa192_a", "ecdsa256_a", "ecdsa384_a"];

    public static TheoryData<string, string> InputsTimesKeys()
    {
        var data = new TheoryData<string, string>();
        foreach (var input in SecureBootVectors.InputNames())
        {
            foreach (var key in KeyPerScheme)
            {
                data.Add(input, key);
            }
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(InputsTimesKeys))]
    public void Sign_EveryInputChipAndScheme_VerifiesOnlyWithThatKey(string input, string keyName)
    {
        var bytes = File.ReadAllBytes(SecureBootVectors.PathOf($"inputs/{input}.bin"));
        using var key = SecureBootSigningKey.FromPem(SecureBootVectors.PrivatePem(keyName));
        var signed = ImageSigner.Sign(bytes, [key]);
        Assert.Equal(0, signed.Bytes.Length % SignatureSector.Size);
        Assert.True(bytes.AsSpan().SequenceEqual(signed.Bytes.AsSpan(0, bytes.Length)));
        var ok = SignatureVerifier.VerifyFile(signed.Bytes, key.PublicKey);
        Assert.True(ok.IsValid, ok.ToString());
        Assert.Equal(0, ok.VerifiedBlock!.Index);

        // The device configured for this scheme with this digest in eFuse accepts it; another key's digest does not.
        var device = SignatureVerifier.VerifyFile(signed.Bytes, [key.PublicKey.Digest], key.Scheme);
        Assert.True(device.IsValid);
        var other = SecureBootVectors.Digest(keyName == "rsa3072_a" ? "rsa3072_b" : "ecdsa256_b");
        var foreign = SignatureVerifier.VerifyFile(signed.Bytes, [other], key.Scheme);
        Assert.False(foreign.IsValid);
        Assert.Equal(BlockStatus.UntrustedKey, foreign.Refusal);
        var info = SignatureInfo.Read(signed.Bytes);
        Assert.Equal(key.PublicKey.Digest, Assert.Single(info.Blocks).KeyDigest);
    }

    [Theory]
    [InlineData("rsa3072_a")]
    [InlineData("ecdsa192_a")]
    [InlineData("ecdsa256_a")]
    [InlineData("ecdsa384_a")]
    public void FlipAnyCoveredByte_VerificationFails(string keyName)
    {
        // The covered region: the signed data and the first 1196 bytes of the block (the CRC's range). With the
        // CRC recomputed after the flip, every field the device reads still catches it: magic, version, hash
        // type, image digest, key and signature. (The reserved byte 3, the zero padding of P-192's (r, s) and the
        // unused tail of an ECDSA block are read by nothing but the CRC, in ESP-IDF as here.)
        // A fixed CsCheck seed (PCG stream 1, state 0x5EC00B00) so that every run samples the same flips.
        string seed = new PCG(1, 0x5EC0_0B00).ToString();
        var bytes = File.ReadAllBytes(SecureBootVectors.PathOf("inputs/e2i_esp32c6_appdesc.bin"));
        using var key = SecureBootSigningKey.FromPem(SecureBootVectors.PrivatePem(keyName));
        var signed = ImageSigner.Sign(bytes, [key]).Bytes;
        int sectorAt = signed.Length - SignatureSector.Size;
        int covered = sectorAt + SignatureBlockV2.CrcCoveredLength;
        var scheme = key.Scheme;
        int fieldsEnd = SignatureBlockV2.BodyOffset + scheme.DigestLength() + SecureBootPublicKey.FieldsLength(scheme)
            + (scheme == SignatureScheme.Rsa3072 ? 384 : 2 * scheme.ScalarLength());
        output.WriteLine($"CsCheck seed {seed}, {covered} covered bytes, fields end at block offset {fieldsEnd}");
        Gen.Select(Gen.Int[0, covered - 1], Gen.Int[0, 7], Gen.Bool).Sample((position, bit, fixCrc) =>
        {
            var copy = (byte[])signed.Clone();
            copy[position] ^= (byte)(1 << bit);
            int inBlock = position - sectorAt;
            if (fixCrc && inBlock >= 0 && inBlock != SignatureBlockV2.ReservedOffset && inBlock < fieldsEnd)
            {
                SignatureBlockV2.Read(copy.AsSpan(sectorAt)).WithCrc().WriteTo(copy.AsSpan(sectorAt));
            }

            return !SignatureVerifier.VerifyFile(copy, [key.PublicKey.Digest], key.Scheme).IsValid;
        }, iter: 400, seed: seed);
    }

    [Fact]
    public void FlipUncoveredByte_PaddingAndFill_StillVerifies()
    {
        var bytes = File.ReadAllBytes(SecureBootVectors.PathOf("inputs/e2i_esp32c6_appdesc.bin"));
        using var key = SecureBootSigningKey.FromPem(SecureBootVectors.PrivatePem("ecdsa256_a"));
        var signed = ImageSigner.Sign(bytes, [key]).Bytes;
        int sectorAt = signed.Length - SignatureSector.Size;
        foreach (int at in new[] { sectorAt + SignatureBlockV2.PaddingOffset, signed.Length - 1 })
        {
            var copy = (byte[])signed.Clone();
            copy[at] ^= 0x10;
            Assert.True(SignatureVerifier.VerifyFile(copy, key.PublicKey).IsValid);
        }
    }

    [Fact]
    public void Verify_Esp32SingleBlock_OnlyBlockZeroCounts()
    {
        var bytes = File.ReadAllBytes(SecureBootVectors.PathOf("signed/rsa_2keys_c3_bootloader.bin"));
        var keyB = SecureBootVectors.Digest("rsa3072_b");
        Assert.True(SignatureVerifier.VerifyFile(bytes, [keyB], SignatureScheme.Rsa3072).IsValid);
        var sector = SignatureSector.ReadFromSignedFile(bytes);
        var digest = SignedDataDigest.Compute(bytes.AsSpan(0, bytes.Length - SignatureSector.Size), withSha384: false);
        var esp32 = SignatureVerifier.Verify(sector, digest, [keyB], SignatureScheme.Rsa3072, blockCount: 1);
        Assert.False(esp32.IsValid);
        Assert.Equal(BlockStatus.NotChecked, esp32.Blocks[1].Status);
    }

    [Fact]
    public void Verify_DeviceOfOtherScheme_WrongScheme()
    {
        var bytes = File.ReadAllBytes(SecureBootVectors.PathOf("signed/ecdsa192_1key_c6_appdesc.bin"));
        var digest = SecureBootVectors.Digest("ecdsa192_a");
        Assert.True(SignatureVerifier.VerifyFile(bytes, [digest], SignatureScheme.EcdsaP192).IsValid);
        var p256Device = SignatureVerifier.VerifyFile(bytes, [digest], SignatureScheme.EcdsaP256);
        Assert.Equal(BlockStatus.WrongScheme, p256Device.Refusal);
    }

    [Fact]
    public void Sign_FourKeysOrFullSector_Refused()
    {
        var bytes = File.ReadAllBytes(SecureBootVectors.PathOf("inputs/e2i_esp32c6_appdesc.bin"));
        using var key = SecureBootSigningKey.FromPem(SecureBootVectors.PrivatePem("ecdsa256_a"));
        Assert.Equal(SignatureProblem.TooManyKeys, Assert.Throws<SignatureException>(() => ImageSigner.Sign(bytes, [key, key, key, key])).Problem);
        var three = ImageSigner.Sign(bytes, [key, key, key]).Bytes;
        Assert.Equal(SignatureProblem.SectorFull, Assert.Throws<SignatureException>(() => ImageSigner.Sign(three, [key], append: true)).Problem);
        var one = ImageSigner.Sign(bytes, [key]).Bytes;
        Assert.Equal(SignatureProblem.TooManyKeys, Assert.Throws<SignatureException>(() => ImageSigner.Sign(one, [key, key, key], append: true)).Problem);
        var appended = ImageSigner.Sign(one, [key, key], append: true);
        Assert.Equal(1, appended.KeptBlocks);
        Assert.Equal(one.Length, appended.Bytes.Length);
        Assert.True(one.AsSpan(0, one.Length - SignatureSector.Size + SignatureBlockV2.Size).SequenceEqual(appended.Bytes.AsSpan(0, one.Length - SignatureSector.Size + SignatureBlockV2.Size)));
    }
}
