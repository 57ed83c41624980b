using System.Buffers.Binary;
using CsCheck;
using EspOta.Flash;
using EspOta.Images;
using EspOta.Partitions;

namespace EspOta.Tests.Images;

/// <summary>The builder's output is an image esptool's rules and the ESP-IDF verifier accept, and it round-trips.</summary>
public sealed class AppImageBuilderTests
{
    private static readonly Chip[] BuildableChips = [.. Chip.All.Where(c => c.HasExtendedHeader)];

    private sealed record Spec(Chip Chip, string Project, string Version, uint SecureVersion, int Payload, (uint Address, byte[] Data)[] Segments);

    private static readonly Gen<Spec> SpecGen =
        from chip in Gen.Int[0, BuildableChips.Length - 1].Select(i => BuildableChips[i])
        from project in Gen.String[Gen.Char.AlphaNumeric, 0, 32]
        from version in Gen.String[Gen.Char.AlphaNumeric, 0, 32]
        from secure in Gen.UInt
        from payload in Gen.Int[0, 3000]
        from count in Gen.Int[0, 4]
        from segments in Gen.Select(Gen.Int[0, 1 << 20], Gen.Byte.Array[0, 700], Gen.Bool).Array[count]
        select new Spec(chip, project, version, secure, payload,
            [.. segments.Select(s => (SegmentAddress(chip, s.Item1, s.Item3), s.Item2))]);

    // A RAM address inside the chip's first loadable range, or (mapped) a flash address.
    private static uint SegmentAddress(Chip chip, int r, bool mapped)
    {
        if (mapped)
        {
            return chip.IromMap.Start + (uint)(r & ~3 & 0xFFFFF);
        }

        var range = chip.LoadableRanges[0];
        return range.Start + (uint)((r & ~3) % Math.Max(4, (int)(range.End - range.Start) - 1024));
    }

    private static AppImageBuilder Builder(Spec spec)
    {
        var builder = new AppImageBuilder(spec.Chip)
            .WithProject(spec.Project)
            .WithVersion(spec.Version)
            .WithSecureVersion(spec.SecureVersion)
            .WithPayload(spec.Payload);
        foreach (var (address, data) in spec.Segments)
        {
            builder.AddSegment(address, data);
        }

        return builder;
    }

    [Fact]
    public void Build_RandomSpecs_ParsesBackAndVerifies()
    {
        SpecGen.Sample(spec =>
        {
            var bytes = Builder(spec).Build();
            var image = AppImage.Parse(bytes, spec.Chip);
            Assert.True(image.IsValid);
            Assert.Empty(image.LoadMessages);
            Assert.Equal(15, image.ChecksumOffset % 16);
            Assert.NotNull(image.Digest);
            Assert.Equal(bytes.Length, image.ImageLengthWithoutSignature);
            Assert.Equal(spec.Project, image.AppDescription!.ProjectName);
            Assert.Equal(spec.Version, image.AppDescription.Version);
            Assert.Equal(spec.SecureVersion, image.AppDescription.SecureVersion);
            Assert.Equal(spec.Chip.AppDescriptionAddress, image.Segments[0].LoadAddress);
            Assert.Equal(AppDescription.ImageOffset, image.Segments[0].DataOffset);

            var userSegments = image.Segments.Skip(1).Where(s => s.LoadAddress != 0).ToArray();
            Assert.Equal(spec.Segments.Length, userSegments.Length);
            for (int i = 0; i < userSegments.Length; i++)
            {
                var (address, data) = spec.Segments[i];
                Assert.Equal(address, userSegments[i].LoadAddress);
                var stored = userSegments[i].Data.ToArray();
                Assert.Equal(data, stored[..data.Length]);
                Assert.All(stored[data.Length..], b => Assert.Equal(0, b));
                Assert.Equal(0, stored.Length % 4);
            }

            var verification = ImageVerifier.Verify(bytes, new ImageVerifyOptions
            {
                ExpectedChip = spec.Chip, CheckLoadAddresses = true, RequireAppDescription = true, ChipRevision = 0,
            });
            Assert.True(verification.IsValid, verification.ToString());
            Assert.Equal(bytes.Length, verification.ImageLength);
            Assert.Equal(image.Digest!.Calculated.ToArray(), verification.Digest!.Calculated.ToArray());
        }, iter: 200, threads: 1);
    }

    [Fact]
    public void Build_AnyByteInvertedInsideCoverage_Invalid()
    {
        // Every byte position from the header through the digest, inverted (XOR 0xFF).
        Gen.Select(Gen.Int[0, BuildableChips.Length - 1].Select(i => BuildableChips[i]), Gen.Int[0, 2000], Gen.Double[0, 0.999999]).Sample((chip, payload, where) =>
        {
            var bytes = new AppImageBuilder(chip).WithPayload(payload).Build();
            int position = (int)(where * bytes.Length);
            bytes[position] ^= 0xFF;
            var verification = ImageVerifier.Verify(bytes, new ImageVerifyOptions { ExpectedChip = chip });
            Assert.False(verification.IsValid, $"byte 0x{position:x} inverted still verifies");
            try
            {
                Assert.False(AppImage.Parse(bytes, chip).IsValid);
            }
            catch (ImageFormatException)
            {
                // esptool refuses some header corruptions outright (e.g. append_digest not 0/1).
            }
        }, iter: 500, threads: 1);
    }

    [Fact]
    public void Build_EveryByteOfSmallImageInverted_Invalid()
    {
        var clean = new AppImageBuilder(Chip.Esp32).AddSegment(0x3FFB0000, new byte[64]).Build();
        for (int i = 0; i < clean.Length; i++)
        {
            var bytes = (byte[])clean.Clone();
            bytes[i] ^= 0xFF;
            Assert.False(ImageVerifier.Verify(bytes).IsValid, $"byte 0x{i:x}");
        }
    }

    [Fact]
    public void Build_HashAppendedCleared_StillVerifies()
    {
        // A documented weakness of the format (ESP-IDF and esptool alike): the digest is only checked when
        // the header says it is there, and the checksum does not cover the header.
        var bytes = new AppImageBuilder(Chip.Esp32).Build();
        bytes[ImageHeader.Size + 15] = 0;
        var verification = ImageVerifier.Verify(bytes);
        Assert.True(verification.IsValid);
        Assert.Equal(bytes.Length - ImageDigest.Length, verification.ImageLength);
    }

    [Fact]
    public void Build_MappedSegment_AlignedToItsPage()
    {
        var bytes = new AppImageBuilder(Chip.Esp32S3)
            .AddSegment(0x3FC88000, new byte[100])
            .AddSegment(0x42000020, new byte[300])
            .Build();
        var image = AppImage.Parse(bytes, Chip.Esp32S3);
        var irom = image.Segments.Single(s => s.LoadAddress == 0x42000020);
        Assert.Equal(0x20, irom.DataOffset % 0x10000);
        Assert.Contains(image.Segments, s => s.LoadAddress == 0 && image.MemoryTypesOf(s).Contains("PADDING"));
        Assert.True(ImageVerifier.Verify(bytes, new ImageVerifyOptions { ExpectedChip = Chip.Esp32S3 }).IsValid);
    }

    [Fact]
    public void Build_PadTo_FillsWithErasedBytes()
    {
        var bytes = new AppImageBuilder(Chip.Esp32C3).PadTo(0x10000).Build();
        var image = AppImage.Parse(bytes, Chip.Esp32C3);
        Assert.Equal(0x10000, bytes.Length);
        Assert.All(bytes[(int)image.ImageLengthWithoutSignature..], b => Assert.Equal(0xFF, b));
        Assert.True(image.IsValid);
    }

    [Fact]
    public void Build_TooManySegments_Throws()
    {
        var builder = new AppImageBuilder(Chip.Esp32);
        for (int i = 0; i < 16; i++)
        {
            builder.AddSegment(0x3FFB0000 + (uint)i * 16, new byte[4]);
        }

        Assert.Throws<InvalidOperationException>(() => builder.Build());
    }

    [Fact]
    public void Build_Esp8266_Rejected() =>
        Assert.Throws<ArgumentException>(() => new AppImageBuilder(Chip.Esp8266));

    [Fact]
    public void Build_FlashNames_EncodedPerChip()
    {
        var bytes = new AppImageBuilder(Chip.Esp32C2).WithFlash(SpiFlashMode.Qio, "4MB", "60m").WithEntry(0x40380000).WithChipRevision(101, 199).Build();
        var image = AppImage.Parse(bytes, Chip.Esp32C2);
        Assert.Equal("4MB", image.FlashSizeName);
        Assert.Equal("60m", image.FlashFrequencyName);
        Assert.Equal("qio", image.FlashModeName);
        Assert.Equal(0x40380000u, image.Header.EntryPoint);
        Assert.Equal((ushort)101, image.ExtendedHeader!.Value.MinChipRevisionFull);
        Assert.Equal((byte)1, image.ExtendedHeader!.Value.MinChipRevision);
        Assert.Equal((ushort)199, image.ExtendedHeader!.Value.MaxChipRevisionFull);
    }

    [Fact]
    public void Verify_FromFileFlashPartition_Valid()
    {
        var bytes = new AppImageBuilder(Chip.Esp32).WithProject("demo").WithPayload(10000).Build();
        var path = Path.GetTempFileName();
        try
        {
            using (var flash = FileFlash.Open(path, size: 0x40000))
            {
                flash.Erase(0, 0x40000);
                flash.Write(0x20000, bytes);
                var partition = new Partition("ota_1", PartitionType.App, 0x11, 0x20000, 0x20000);
                var result = ImageVerifier.Verify(flash, partition);
                Assert.True(result.IsValid, result.ToString());
                Assert.Equal("demo", result.AppDescription!.ProjectName);
                Assert.Equal("demo", AppImage.Parse(flash, partition).AppDescription!.ProjectName);
                Assert.Equal(AppDescription.MagicWord, BinaryPrimitives.ReadUInt32LittleEndian(bytes.AsSpan(0x20)));
            }
        }
        finally
        {
            File.Delete(path);
        }
    }
}
