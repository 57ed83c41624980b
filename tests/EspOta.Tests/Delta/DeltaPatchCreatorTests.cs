using CsCheck;
using EspOta.Delta;
using EspOta.Images;
using Xunit.Abstractions;

namespace EspOta.Tests.Delta;

/// <summary>Our patches apply — for the vector pairs, for built image pairs and for random pairs.</summary>
public sealed class DeltaPatchCreatorTests(ITestOutputHelper output)
{
    [Theory]
    [MemberData(nameof(DeltaVectors.CreatedCaseNames), MemberType = typeof(DeltaVectors))]
    public void Create_VectorPair_AppliesWithEspDeltaOtaProfileAndIsNotLarger(string name)
    {
        var c = DeltaVectors.Case(name);
        var baseImage = DeltaVectors.ImageBytes(c.GetProperty("base").GetString()!);
        var newImage = DeltaVectors.ImageBytes(c.GetProperty("new").GetString()!);
        var theirs = DeltaVectors.DetoolsPatch(c);
        bool header = DeltaVectors.HasHeader(c);
        var isNone = theirs[0] == 0;
        var options = new DeltaCreateOptions
        {
            EspDeltaOtaHeader = header,
            Compression = isNone ? DetoolsCompression.None : DetoolsCompression.Heatshrink,
            Heatshrink = isNone ? HeatshrinkParameters.EspDeltaOta : HeatshrinkParameters.FromHeaderByte(theirs[1 + DetoolsSizeLength(theirs.AsSpan(1))]),
        };

        var ours = DeltaPatchCreator.Create(baseImage, newImage, options);
        if (header)
        {
            var full = File.ReadAllBytes(DeltaVectors.PatchPath(c));
            Assert.Equal(full[..DeltaOtaHeader.Size], ours[..DeltaOtaHeader.Size]);
        }

        var detools = header ? ours[DeltaOtaHeader.Size..] : ours;
        var profile = isNone || options.Heatshrink != HeatshrinkParameters.EspDeltaOta ? DeltaApplyProfile.Full : DeltaApplyProfile.EspDeltaOta;
        foreach (int chunk in new[] { detools.Length, 1024, 1 })
        {
            Assert.Equal(newImage, DeltaTestKit.Apply(baseImage, detools, profile, Math.Max(1, chunk), patchSize: detools.Length));
        }

        double ratio = (double)detools.Length / theirs.Length;
        output.WriteLine($"{name}: ours {detools.Length} B, detools {theirs.Length} B, ratio {ratio:0.000}");
        Assert.True(ratio <= 1.05, $"our patch is {ratio:0.000} times detools' size");
    }

    [Fact]
    public void Create_BaseWithoutAppendedSha256_RefusesLikeThePatchTool()
    {
        var c = DeltaVectors.Case("base_without_sha256");
        var baseImage = DeltaVectors.ImageBytes(c.GetProperty("base").GetString()!);
        var newImage = DeltaVectors.ImageBytes(c.GetProperty("new").GetString()!);
        var ex = Assert.Throws<EspException>(() => DeltaPatchCreator.Create(baseImage, newImage));
        Assert.Equal(EspError.NotFound, ex.Code);
        var plain = DeltaPatchCreator.Create(baseImage, newImage, new DeltaCreateOptions { EspDeltaOtaHeader = false });
        Assert.Equal(newImage, DeltaTestKit.Apply(baseImage, plain, DeltaApplyProfile.EspDeltaOta));
    }

    [Fact]
    public void Create_EmptyNewImage_IsTwoBytesAndApplies()
    {
        var patch = DeltaPatchCreator.Create([1, 2, 3], [], new DeltaCreateOptions { EspDeltaOtaHeader = false });
        Assert.Equal(new byte[] { 0x04, 0x00 }, patch);
        Assert.Empty(DeltaTestKit.Apply([1, 2, 3], patch, DeltaApplyProfile.EspDeltaOta));
    }

    [Fact]
    public void Create_BuiltImagePairs_ApplyAndAreSmall()
    {
        foreach (var chip in new[] { Chip.Esp32, Chip.FromName("esp32s3")!, Chip.FromName("esp32c3")! })
        {
            var v1 = new AppImageBuilder(chip).WithProject("demo").WithVersion("1.0.0").WithPayload(200_000, seed: 7).Build();
            var v2 = new AppImageBuilder(chip).WithProject("demo").WithVersion("1.0.1").WithPayload(200_000, seed: 7).Build();
            var patch = DeltaPatchCreator.Create(v1, v2);
            var header = DeltaOtaHeader.Read(patch);
            header.Verify(DeltaPatchCreator.ValidationHash(v1));
            Assert.Equal(v2, DeltaTestKit.Apply(v1, patch.AsSpan(DeltaOtaHeader.Size), DeltaApplyProfile.EspDeltaOta));
            output.WriteLine($"{chip.Name}: {v2.Length} B image, {patch.Length} B patch");
            Assert.True(patch.Length < v2.Length / 20, $"a version-string change should patch small, got {patch.Length} bytes");
        }
    }

    [Fact]
    public void Create_RandomPairs_ApplyInAnySplit()
    {
        var pairs = Gen.Select(Gen.Byte.Array[0, 3000], Gen.Int[0, 20], Gen.UInt, Gen.Int[1, 700], Gen.Int[0, 2]);
        pairs.Sample(t =>
        {
            var (from, edits, seed, chunk, kind) = t;
            var random = new Random((int)seed);
            var to = new List<byte>(from);
            for (int e = 0; e < edits; e++)
            {
                int at = to.Count == 0 ? 0 : random.Next(to.Count);
                switch (random.Next(3))
                {
                    case 0:
                        to.InsertRange(at, Enumerable.Range(0, random.Next(1, 50)).Select(_ => (byte)random.Next(256)));
                        break;
                    case 1:
                        to.RemoveRange(at, Math.Min(to.Count - at, random.Next(1, 50)));
                        break;
                    default:
                        if (to.Count > 0)
                        {
                            to[at] ^= (byte)random.Next(1, 256);
                        }

                        break;
                }
            }

            var newImage = to.ToArray();
            var compression = kind switch { 0 => DetoolsCompression.Heatshrink, 1 => DetoolsCompression.None, _ => DetoolsCompression.Crle };
            var options = new DeltaCreateOptions { EspDeltaOtaHeader = false, Compression = compression };
            var patch = DeltaPatchCreator.Create(from, newImage, options);
            var profile = compression == DetoolsCompression.Heatshrink ? DeltaApplyProfile.EspDeltaOta : DeltaApplyProfile.Full;
            Assert.Equal(newImage, DeltaTestKit.Apply(from, patch, profile, chunk, patch.Length));
        }, iter: 150, writeLine: output.WriteLine);
    }

    [Fact]
    public void Crle_Encoder_MatchesDetoolsRecords()
    {
        Assert.Equal(new byte[] { 0, 0 }, CrleEncoder.Compress([]));
        Assert.Equal(new byte[] { 0, 3, 1, 2, 3, 1, 6, 9, 0, 1, 4 }, CrleEncoder.Compress([1, 2, 3, 9, 9, 9, 9, 9, 9, 4]));
        Assert.Equal(new byte[] { 1, 0x80, 0x01, 0 }, CrleEncoder.Compress(new byte[128]));
        Assert.Equal(new byte[] { 0, 5, 7, 7, 7, 7, 7 }, CrleEncoder.Compress([7, 7, 7, 7, 7]));
    }

    [Fact]
    public void Create_Crle_IsRefusedByEspDeltaOtaButAppliesWithTheFullBuild()
    {
        var from = DeltaVectors.ImageBytes("hello_world_esp32");
        var to = DeltaVectors.ImageBytes("hello_world_esp32_v2");
        var patch = DeltaPatchCreator.Create(from, to, new DeltaCreateOptions { EspDeltaOtaHeader = false, Compression = DetoolsCompression.Crle });
        Assert.Equal(0x02, patch[0]);
        Assert.Equal(to, DeltaTestKit.Apply(from, patch, DeltaApplyProfile.Full, chunk: 1));
        var ex = Assert.Throws<DeltaPatchException>(() => DeltaTestKit.Apply(from, patch, DeltaApplyProfile.EspDeltaOta));
        Assert.Equal((DetoolsError.BadCompression, DeltaApplyStage.Process), (ex.Error, ex.Stage));
    }

    private static int DetoolsSizeLength(ReadOnlySpan<byte> source)
    {
        Assert.True(DetoolsSize.TryRead(source, out _, out int length));
        return length;
    }
}
