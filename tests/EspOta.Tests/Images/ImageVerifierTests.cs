using System.Buffers.Binary;
using EspOta.Flash;
using EspOta.Images;
using EspOta.Partitions;

namespace EspOta.Tests.Images;

/// <summary>Each check of the verifier, in esp_image_verify's order, on images made by the builder and then edited.</summary>
public sealed class ImageVerifierTests
{
    private static byte[] Image(Chip? chip = null, Action<AppImageBuilder>? configure = null)
    {
        var builder = new AppImageBuilder(chip ?? Chip.Esp32);
        configure?.Invoke(builder);
        return builder.Build();
    }

    // Rewrites the checksum and digest after an edit, so that only the intended check can fail.
    private static void Reseal(byte[] image)
    {
        var parsed = AppImage.Parse(image);
        image[parsed.ChecksumOffset] = parsed.CalculatedChecksum;
        if (parsed.Digest is not null)
        {
            System.Security.Cryptography.SHA256.HashData(image.AsSpan(0, (int)parsed.ChecksumOffset + 1), image.AsSpan((int)parsed.ChecksumOffset + 1, 32));
        }
    }

    [Fact]
    public void Verify_BuiltImage_ValidWithLengthAndSha()
    {
        var bytes = Image(configure: b => b.PadTo(0x2000));
        var result = ImageVerifier.Verify(bytes);
        Assert.True(result.IsValid);
        Assert.Equal(EspError.Ok, result.Error);
        Assert.Null(result.FailedCheck);
        Assert.Same(Chip.Esp32, result.Chip);
        var parsed = AppImage.Parse(bytes);
        Assert.Equal(parsed.ImageLengthWithoutSignature, result.ImageLength);
        Assert.Equal(System.Security.Cryptography.SHA256.HashData(bytes.AsSpan(0, (int)result.ImageLength)), result.Sha256.ToArray());
        Assert.Equal("app", result.AppDescription!.ProjectName);
    }

    [Fact]
    public void Verify_PartitionRunsPastTheChip_InvalidNotThrown()
    {
        var image = Image(configure: b => b.WithPayload(0x18000));
        var flash = new MemoryFlash(0x20000);
        flash.Write(0x10000, image.AsSpan(0, Math.Min(image.Length, 0x10000)));
        var partition = new Partition("ota_0", PartitionType.App, 0x10, 0x10000, 0x100000);

        var result = ImageVerifier.Verify(flash, partition);

        Assert.False(result.IsValid);
        Assert.Equal(ImageCheck.ImageLength, result.FailedCheck);
        Assert.Throws<ImageFormatException>(() => AppImage.Parse(flash, partition));
        var beyond = new Partition("ota_1", PartitionType.App, 0x11, 0x40000, 0x10000);
        Assert.False(ImageVerifier.Verify(flash, beyond).IsValid);
    }

    [Fact]
    public void Verify_Empty_Truncated()
    {
        var result = ImageVerifier.Verify(ReadOnlySpan<byte>.Empty);
        Assert.Equal(ImageCheck.Truncated, result.FailedCheck);
        Assert.Equal(0, result.FailureOffset);
    }

    [Fact]
    public void Verify_ErasedFlash_Magic()
    {
        var erased = Enumerable.Repeat((byte)0xFF, 4096).ToArray();
        var result = ImageVerifier.Verify(erased);
        Assert.Equal(ImageCheck.Magic, result.FailedCheck);
        Assert.Equal(EspError.ImageInvalid, result.Error);
    }

    [Fact]
    public void Verify_OtherChip_ChipId()
    {
        var result = ImageVerifier.Verify(Image(Chip.Esp32C3), new ImageVerifyOptions { ExpectedChip = Chip.Esp32S3 });
        Assert.Equal(ImageCheck.ChipId, result.FailedCheck);
        Assert.Equal(12, result.FailureOffset);
        Assert.Equal(EspError.Fail, result.Error);
    }

    [Fact]
    public void Verify_UnknownChipIdWithoutExpectation_ChipId()
    {
        var bytes = Image();
        BinaryPrimitives.WriteUInt16LittleEndian(bytes.AsSpan(12), 0x7777);
        Assert.Equal(ImageCheck.ChipId, ImageVerifier.Verify(bytes).FailedCheck);
    }

    [Theory]
    [InlineData(100, 300, 99, false)]
    [InlineData(100, 300, 100, true)]
    [InlineData(100, 300, 300, true)]
    [InlineData(100, 300, 301, false)]
    [InlineData(0, 0xFFFF, 9999, true)]
    [InlineData(0, 0, 9999, true)]
    public void Verify_RevisionWindow_AsBootloaderCommon(ushort min, ushort max, ushort revision, bool valid)
    {
        var bytes = Image(configure: b => b.WithChipRevision(min, max));
        var result = ImageVerifier.Verify(bytes, new ImageVerifyOptions { ChipRevision = revision });
        Assert.Equal(valid, result.IsValid);
        if (!valid)
        {
            Assert.Equal(ImageCheck.ChipRevision, result.FailedCheck);
        }
    }

    [Fact]
    public void Verify_BootloaderAboveMaxRevision_Valid()
    {
        // The maximum revision is not checked for bootloaders (bootloader_common_check_chip_validity).
        var bytes = Image(configure: b => b.WithChipRevision(0, 100));
        Assert.True(ImageVerifier.Verify(bytes, new ImageVerifyOptions { ChipRevision = 300, IsBootloader = true }).IsValid);
    }

    [Fact]
    public void Verify_SeventeenSegments_SegmentCount()
    {
        var bytes = Image();
        bytes[1] = 17;
        var result = ImageVerifier.Verify(bytes);
        Assert.Equal(ImageCheck.SegmentCount, result.FailedCheck);
        Assert.Equal(1, result.FailureOffset);
    }

    [Fact]
    public void Verify_UnalignedSegmentLength_SegmentLength()
    {
        var bytes = Image(configure: b => b.AddSegment(0x3FFB0000, new byte[16]));
        var parsed = AppImage.Parse(bytes);
        var seg = parsed.Segments[1];
        BinaryPrimitives.WriteUInt32LittleEndian(bytes.AsSpan((int)seg.FileOffset + 4), 15);
        var result = ImageVerifier.Verify(bytes);
        Assert.Equal(ImageCheck.SegmentLength, result.FailedCheck);
        Assert.Equal(seg.FileOffset + 4, result.FailureOffset);
    }

    [Fact]
    public void Verify_MappedSegmentMisaligned_SegmentMapping()
    {
        var bytes = Image();
        BinaryPrimitives.WriteUInt32LittleEndian(bytes.AsSpan(24), 0x3F400040);
        Reseal(bytes);
        var result = ImageVerifier.Verify(bytes);
        Assert.Equal(ImageCheck.SegmentMapping, result.FailedCheck);
        Assert.Equal(24, result.FailureOffset);
    }

    [Fact]
    public void Verify_FlashOffsetNotPageAligned_SegmentMapping()
    {
        var bytes = Image();
        Assert.Equal(ImageCheck.SegmentMapping, ImageVerifier.Verify(bytes, new ImageVerifyOptions { FlashOffset = 0x1000 }).FailedCheck);
        Assert.True(ImageVerifier.Verify(bytes, new ImageVerifyOptions { FlashOffset = 0x110000 }).IsValid);
    }

    [Fact]
    public void Verify_MmuConfigurableChipWithoutDescription_AppDescription()
    {
        var bytes = Image(Chip.Esp32C6);
        bytes[0x20] ^= 0xFF;
        Reseal(bytes);
        var result = ImageVerifier.Verify(bytes);
        Assert.Equal(ImageCheck.AppDescription, result.FailedCheck);
        Assert.Equal(0x20, result.FailureOffset);
        Assert.Null(result.AppDescription);

        // ESP32 does not need it unless asked to.
        var esp32 = Image();
        esp32[0x20] ^= 0xFF;
        Reseal(esp32);
        Assert.True(ImageVerifier.Verify(esp32).IsValid);
        Assert.Equal(ImageCheck.AppDescription, ImageVerifier.Verify(esp32, new ImageVerifyOptions { RequireAppDescription = true }).FailedCheck);
    }

    [Theory]
    [InlineData(100, 199, 99, false)]
    [InlineData(100, 199, 100, true)]
    [InlineData(100, 199, 200, false)]
    [InlineData(0, 0xFFFF, 5000, true)]
    public void Verify_EfuseBlockWindow_AsBootloaderCommon(ushort min, ushort max, ushort revision, bool valid)
    {
        var bytes = Image(Chip.Esp32C3, b => b.WithDescription(b.Description with { MinEfuseBlockRevisionFull = min, MaxEfuseBlockRevisionFull = max }));
        var result = ImageVerifier.Verify(bytes, new ImageVerifyOptions { EfuseBlockRevision = revision });
        Assert.Equal(valid ? null : ImageCheck.EfuseBlockRevision, result.FailedCheck);

        // The ESP32 has no eFuse block version to check.
        var esp32 = Image(Chip.Esp32, b => b.WithDescription(b.Description with { MinEfuseBlockRevisionFull = min, MaxEfuseBlockRevisionFull = max }));
        Assert.True(ImageVerifier.Verify(esp32, new ImageVerifyOptions { EfuseBlockRevision = revision }).IsValid);
    }

    [Fact]
    public void Verify_RamSegmentOutsideMemory_LoadAddress()
    {
        var bytes = Image(configure: b => b.AddSegment(0x20000000, new byte[64]));
        Assert.True(ImageVerifier.Verify(bytes).IsValid);
        var result = ImageVerifier.Verify(bytes, new ImageVerifyOptions { CheckLoadAddresses = true });
        Assert.Equal(ImageCheck.LoadAddress, result.FailedCheck);
    }

    [Fact]
    public void Verify_ImageLargerThanMaxLength_ImageLength()
    {
        var bytes = Image(configure: b => b.WithPayload(5000));
        var result = ImageVerifier.Verify(bytes, new ImageVerifyOptions { MaxLength = 4096 });
        Assert.Equal(ImageCheck.ImageLength, result.FailedCheck);
        Assert.True(ImageVerifier.Verify(bytes, new ImageVerifyOptions { MaxLength = bytes.Length }).IsValid);
        Assert.Equal(ImageCheck.ImageLength, ImageVerifier.Verify(bytes, new ImageVerifyOptions { MaxLength = bytes.Length - 1 }).FailedCheck);
    }

    [Fact]
    public void Verify_PartitionSmallerThanImage_ImageLength()
    {
        var bytes = Image(configure: b => b.WithPayload(0x2000));
        var flash = new MemoryFlash(0x20000);
        flash.Write(0x10000, bytes);
        var partition = new Partition("ota_0", PartitionType.App, 0x10, 0x10000, 0x1000);
        Assert.Equal(ImageCheck.ImageLength, ImageVerifier.Verify(flash, partition).FailedCheck);
    }

    [Fact]
    public void Verify_EveryTruncation_InvalidNeverThrows()
    {
        var bytes = Image(configure: b => b.AddSegment(0x3FFB0000, new byte[40]));
        long digestAt = AppImage.Parse(bytes).Digest!.FileOffset;
        for (int n = 0; n < bytes.Length; n++)
        {
            var result = ImageVerifier.Verify(bytes.AsSpan(0, n));
            if (n >= digestAt)
            {
                // Cut inside the digest: read on as erased flash, as on the device, the hash fails (issue 17).
                Assert.Equal(ImageCheck.Sha256, result.FailedCheck);
                Assert.Equal(digestAt, result.FailureOffset);
                continue;
            }

            Assert.Equal(ImageCheck.Truncated, result.FailedCheck);
            Assert.Equal(n, result.FailureOffset);
        }
    }

    [Fact]
    public void Verify_ChecksumByteWrong_ChecksumAtItsOffset()
    {
        var bytes = Image(configure: b => b.WithDescription(new AppDescription()).WithDescription(new AppDescription { ProjectName = "x" }));
        var parsed = AppImage.Parse(bytes);
        bytes[parsed.ChecksumOffset] ^= 1;
        var result = ImageVerifier.Verify(bytes);
        Assert.Equal(ImageCheck.Checksum, result.FailedCheck);
        Assert.Equal(parsed.ChecksumOffset, result.FailureOffset);
        Assert.Equal(parsed.CalculatedChecksum, result.CalculatedChecksum);
    }

    [Fact]
    public void Verify_DigestWrong_Sha256ButNotForBootloader()
    {
        var bytes = Image();
        bytes[^1] ^= 1;
        var result = ImageVerifier.Verify(bytes);
        Assert.Equal(ImageCheck.Sha256, result.FailedCheck);
        Assert.Equal(bytes.Length - 32, result.FailureOffset);
        // Without secure boot the bootloader does not check its own digest (esp_image_format.c, verify_sha).
        Assert.True(ImageVerifier.Verify(bytes, new ImageVerifyOptions { IsBootloader = true }).IsValid);
    }

    [Fact]
    public void Verify_Stream_ReadsOnlyOnce()
    {
        var bytes = Image(configure: b => b.WithPayload(200_000));
        using var stream = new NonSeekableStream(bytes);
        Assert.True(ImageVerifier.Verify(stream).IsValid);
    }

    private sealed class NonSeekableStream(byte[] data) : MemoryStream(data)
    {
        public override bool CanSeek => false;

        public override long Seek(long offset, SeekOrigin loc) => throw new NotSupportedException();

        public override int Read(byte[] buffer, int offset, int count) => base.Read(buffer, offset, Math.Min(count, 1000));
    }
}
