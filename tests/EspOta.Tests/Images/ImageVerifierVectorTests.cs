using System.Security.Cryptography;
using System.Text.Json;
using EspOta.Flash;
using EspOta.Images;
using EspOta.Partitions;
using Xunit.Abstractions;

namespace EspOta.Tests.Images;

/// <summary>The one-pass verifier against the image vectors: it agrees with esptool's checksum/SHA-256 verdicts.</summary>
public sealed class ImageVerifierVectorTests(ITestOutputHelper output)
{
    // Checks esptool does not make: an image esptool calls valid may still fail these ESP-IDF rules.
    private static readonly HashSet<ImageCheck> EspIdfOnlyChecks =
        [ImageCheck.AppDescription, ImageCheck.SegmentMapping, ImageCheck.SegmentLength, ImageCheck.ChipId];

    public static TheoryData<string> Cases() => ImageVectorTests.Cases();

    [Theory]
    [MemberData(nameof(Cases))]
    public void Verify_Vector_AgreesWithEsptool(string name)
    {
        using var doc = Vectors.ReadJson("images", name + ".json");
        var root = doc.RootElement;
        var chip = Chip.FromName(root.GetProperty("chip").GetString())!;
        var bytes = File.ReadAllBytes(Vectors.PathOf("images", name + ".bin"));
        var result = ImageVerifier.Verify(bytes, new ImageVerifyOptions { ExpectedChip = chip });
        output.WriteLine($"{name}: {result}");

        if (chip == Chip.Esp8266 || root.GetProperty("error").ValueKind != JsonValueKind.Null)
        {
            // ESP-IDF v5.5 does not boot ESP8266 images; esptool could not load the others.
            Assert.False(result.IsValid);
            return;
        }

        if (root.GetProperty("chip_id").GetInt32() != chip.ImageChipId)
        {
            // ESP-IDF checks the header's chip id (bootloader_common_check_chip_validity) before it reads
            // a segment, so a foreign image fails there whatever esptool says of its checksum and hash.
            Assert.Equal(ImageCheck.ChipId, result.FailedCheck);
            Assert.Equal(ImageHeader.Size + ExtendedImageHeader.ChipIdOffset, result.FailureOffset);
            return;
        }

        if (root.GetProperty("valid").GetBoolean())
        {
            Assert.True(result.IsValid || EspIdfOnlyChecks.Contains(result.FailedCheck!.Value), result.ToString());
        }
        else if (!root.GetProperty("checksum").GetProperty("valid").GetBoolean())
        {
            Assert.Equal(ImageCheck.Checksum, result.FailedCheck);
            Assert.Equal(root.GetProperty("checksum").GetProperty("file_offset").GetInt64(), result.FailureOffset);
        }
        else
        {
            Assert.Equal(ImageCheck.Sha256, result.FailedCheck);
            Assert.Equal(root.GetProperty("sha256").GetProperty("file_offset").GetInt64(), result.FailureOffset);
        }

        if (result.IsValid || result.FailedCheck == ImageCheck.Sha256)
        {
            Assert.Equal(root.GetProperty("image_length_without_signature").GetInt64(), result.ImageLength);
            // A file cut inside its digest is read on as erased flash (0xFF), as the bootloader would find it.
            var asOnFlash = new byte[Math.Max(bytes.Length, result.ImageLength)];
            asOnFlash.AsSpan().Fill(0xFF);
            bytes.CopyTo(asOnFlash, 0);
            Assert.Equal(SHA256.HashData(asOnFlash.AsSpan(0, (int)result.ImageLength)), result.Sha256.ToArray());
            if (root.GetProperty("sha256").ValueKind != JsonValueKind.Null)
            {
                Assert.Equal(root.GetProperty("sha256").GetProperty("calculated").GetString(), Convert.ToHexStringLower(result.Digest!.Calculated.Span));
            }
        }
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void Verify_VectorFromStreamAndFlash_SameAsSpan(string name)
    {
        using var doc = Vectors.ReadJson("images", name + ".json");
        var chip = Chip.FromName(doc.RootElement.GetProperty("chip").GetString())!;
        var bytes = File.ReadAllBytes(Vectors.PathOf("images", name + ".bin"));
        var options = new ImageVerifyOptions { ExpectedChip = chip };
        var fromSpan = ImageVerifier.Verify(bytes, options);
        using var stream = new MemoryStream(bytes);
        var fromStream = ImageVerifier.Verify(stream, options);

        uint partitionSize = (uint)((bytes.Length + 0xFFFF) / 0x10000 * 0x10000);
        var flash = new MemoryFlash(0x10000 + partitionSize);
        flash.Write(0x10000, bytes);
        var partition = new Partition("ota_0", PartitionType.App, 0x10, 0x10000, partitionSize);
        var fromFlash = ImageVerifier.Verify(flash, partition, options);

        Assert.Equal(Summary(fromSpan), Summary(fromStream));
        if (doc.RootElement.GetProperty("error").ValueKind == JsonValueKind.Null)
        {
            // A cut-off file reads on into erased flash inside a partition, so only whole images compare.
            Assert.Equal(Summary(fromSpan), Summary(fromFlash));
        }
    }

    private static string Summary(ImageVerification v) =>
        $"{v.IsValid} {v.FailedCheck} {v.FailureOffset} {v.ImageLength} {Convert.ToHexString(v.Sha256.Span)} {v.AppDescription?.ProjectName}";
}
