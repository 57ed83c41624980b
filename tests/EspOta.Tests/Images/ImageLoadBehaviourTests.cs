using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text.Json.Nodes;
using EspOta.Cli;
using EspOta.Cli.Commands;
using EspOta.Flash;
using EspOta.Images;
using EspOta.Partitions;
using EspOta.Tests.Shared;

namespace EspOta.Tests.Images;

/// <summary>
/// Vector-style cases built here (the image builder, byte edits of public images) for what esptool
/// v4.8.1 prints while loading, an image cut inside its digest, an empty file and chip auto-detection.
/// Expectations start from esptool's recorded output for the unedited image and change only what the
/// edit changes.
/// </summary>
public sealed class ImageLoadBehaviourTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("espota-image-load-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private static (int Code, string Out, string Err) Run(params string[] args)
    {
        var stdout = new StringWriter();
        var stderr = new StringWriter();
        int code = CliRunner.Run(args, stdout, stderr);
        return (code, stdout.ToString().Replace("\r\n", "\n"), stderr.ToString());
    }

    private string Save(string name, byte[] bytes)
    {
        string path = Path.Combine(_dir, name);
        File.WriteAllBytes(path, bytes);
        return path;
    }

    private static byte[] VectorBytes(string name) => File.ReadAllBytes(Vectors.PathOf("images", name + ".bin"));

    /// <summary>esptool's image_info output for a vector, without the command, banner and exit lines.</summary>
    private static List<string> EsptoolLines(string name) =>
        [.. File.ReadAllText(Vectors.PathOf("images", name + ".image_info.txt")).TrimEnd('\n').Split('\n')[2..^1]];

    private static string[] Lines(string text) => text.TrimEnd('\n').Split('\n');

    // ---- 1. load-time messages in the text report -------------------------------------------------

    [Fact]
    public void Info_HeaderChipIdEdited_PrintsEsptoolsChipIdMessageAfterFileSize()
    {
        // e2i_esp32_app_template with chip id 2 (ESP32-S2) in its header, read as an ESP32 image.
        var bytes = VectorBytes("e2i_esp32_app_template");
        BinaryPrimitives.WriteUInt16LittleEndian(bytes.AsSpan(ImageHeader.Size + ExtendedImageHeader.ChipIdOffset), 2);
        string path = Save("foreign_chip_id.bin", bytes);

        var expected = EsptoolLines("e2i_esp32_app_template");
        expected.Insert(1, "Unexpected chip id in image. Expected 0 but value was 2. Is this image for a different chip model?");
        int chipLine = expected.FindIndex(l => l.StartsWith("Chip ID: ", StringComparison.Ordinal));
        expected[chipLine] = "Chip ID: 2 (ESP32-S2)";
        // The header is hashed, so the appended digest no longer matches.
        int hashLine = expected.FindIndex(l => l.StartsWith("Validation hash: ", StringComparison.Ordinal));
        int digestAt = 601776;
        expected[hashLine] = $"Validation hash: {Convert.ToHexStringLower(SHA256.HashData(bytes.AsSpan(0, digestAt)))} (invalid)";

        var (code, stdout, _) = Run("image", "info", path, "--chip", "esp32");
        Assert.Equal(ExitCodes.Ok, code);
        Assert.Equal(expected, Lines(stdout));

        var json = JsonNode.Parse(Run("image", "info", path, "--chip", "esp32", "--json").Out)!;
        Assert.Equal(expected[1], Assert.Single(json["load_messages"]!.AsArray())!.GetValue<string>());
    }

    [Fact]
    public void Info_BuiltImageReadForAnotherChip_MessageBeforeTheHeaderBlock()
    {
        string path = Save("c3.bin", new AppImageBuilder(Chip.Esp32C3).WithPayload(1000).Build());
        var lines = Lines(Run("image", "info", path, "--chip", "esp32s3").Out);
        Assert.Equal("Unexpected chip id in image. Expected 9 but value was 5. Is this image for a different chip model?", lines[1]);
        Assert.Equal("", lines[2]);
        Assert.Equal("ESP32S3 image header", lines[3]);

        // Auto mode takes the header's chip: nothing to warn about.
        var auto = Lines(Run("image", "info", path).Out);
        Assert.Equal("Detected image type: ESP32-C3", auto[1]);
        Assert.Equal("", auto[2]);
    }

    [Fact]
    public void Info_Esp8266V2HeadersDisagreeOnFlashMode_PrintsTheWarning()
    {
        // Byte 2 of the first (0xEA) header: dout; the second header keeps qio, and esptool uses that.
        var bytes = VectorBytes("e2i_esp8266_v2");
        Assert.Equal(ImageHeader.Esp8266V2Magic, bytes[0]);
        bytes[ImageHeader.FlashModeOffset] = 3;
        string path = Save("v2_mode.bin", bytes);

        var expected = EsptoolLines("e2i_esp8266_v2");
        expected.Insert(1, "WARNING: Flash mode value in first header (0x03) disagrees with second (0x00). Using second value.");
        var (code, stdout, _) = Run("image", "info", path, "--chip", "esp8266");
        Assert.Equal(ExitCodes.Ok, code);
        Assert.Equal(expected, Lines(stdout));
        Assert.Equal(expected[1], Assert.Single(AppImage.Parse(bytes, Chip.Esp8266).LoadMessages));
    }

    [Fact]
    public void Info_Esp8266SuspiciousSegment_PrintsTheWarning()
    {
        // Segment 2 of e2i_esp8266_v1 (header at 10760) moved above 0x40200000: its XOR is unchanged.
        var bytes = VectorBytes("e2i_esp8266_v1");
        Assert.Equal(0x40100000u, BinaryPrimitives.ReadUInt32LittleEndian(bytes.AsSpan(10760)));
        BinaryPrimitives.WriteUInt32LittleEndian(bytes.AsSpan(10760), 0x40280000);
        string path = Save("suspicious.bin", bytes);

        var expected = EsptoolLines("e2i_esp8266_v1");
        expected.Insert(1, "WARNING: Suspicious segment 0x40280000, length 31320");
        var (code, stdout, _) = Run("image", "info", path, "--chip", "esp8266");
        Assert.Equal(ExitCodes.Ok, code);
        var actual = Lines(stdout);
        Assert.Equal(expected.Count, actual.Length);
        for (int i = 0; i < expected.Count; i++)
        {
            if (expected[i].StartsWith("      2  ", StringComparison.Ordinal))
            {
                // The moved segment's row: new load address (and its memory types).
                Assert.StartsWith("      2  0x07a58  0x40280000  0x00002a08  ", actual[i], StringComparison.Ordinal);
                continue;
            }

            Assert.Equal(expected[i], actual[i]);
        }
    }

    [Fact]
    public void Info_WarningThenFatalError_BothComeOutInEsptoolsOrder()
    {
        // A suspicious segment 0 (read first), then the file ends inside segment 2.
        var bytes = VectorBytes("e2i_esp8266_v1");
        BinaryPrimitives.WriteUInt32LittleEndian(bytes.AsSpan(8), 0x3FF00000);
        string path = Save("suspicious_cut.bin", bytes[..12000]);

        var (code, stdout, stderr) = Run("image", "info", path, "--chip", "esp8266");
        Assert.Equal(ExitCodes.Failure, code);
        Assert.Equal(["File size: 12000 (bytes)", "WARNING: Suspicious segment 0x3ff00000, length 2156"], Lines(stdout));
        Assert.Contains("End of file reading segment 0x40100000, length 31320 (actual length 1232)", stderr, StringComparison.Ordinal);
        var ex = Assert.Throws<ImageFormatException>(() => AppImage.Parse(bytes[..12000], Chip.Esp8266));
        Assert.Equal("WARNING: Suspicious segment 0x3ff00000, length 2156", Assert.Single(ex.LoadMessages));

        var json = JsonNode.Parse(Run("image", "info", path, "--chip", "esp8266", "--json").Out)!;
        Assert.Single(json["load_messages"]!.AsArray());
    }

    // ---- 2. an image cut inside its appended SHA-256 ---------------------------------------------

    public static TheoryData<int> DigestCuts() => [0, 1, 16, 31];

    [Theory]
    [MemberData(nameof(DigestCuts))]
    public void Parse_CutInsideDigest_EsptoolsFacts(int digestBytesKept)
    {
        var whole = VectorBytes("e2i_esp32_app_template");
        const int digestAt = 601776;
        var cut = whole[..(digestAt + digestBytesKept)];

        var image = AppImage.Parse(cut, Chip.Esp32);
        Assert.Equal(digestAt, image.Digest!.FileOffset);
        Assert.Equal(digestBytesKept, image.Digest.StoredLength);
        Assert.Equal(whole.AsSpan(digestAt, digestBytesKept).ToArray(), image.Digest.Stored.ToArray());
        Assert.False(image.Digest.IsValid);
        Assert.False(image.IsValid);
        // esptool counts the whole digest in the image length, whatever the file holds.
        Assert.Equal(digestAt + ImageDigest.Length, image.ImageLengthWithoutSignature);
        Assert.Equal(0, image.TrailingBytes);

        var json = ImageInfoJson.Build(image);
        Assert.Equal(digestAt + ImageDigest.Length, json["image_length_without_signature"]!.GetValue<long>());
        Assert.Equal(0, json["trailing_bytes"]!.GetValue<long>());
        Assert.Null(json["trailing_head_hex"]);
        Assert.Equal(digestBytesKept, json["sha256"]!["stored_length"]!.GetValue<int>());

        var expected = EsptoolLines("e2i_esp32_app_template");
        expected[0] = $"File size: {cut.Length} (bytes)";
        int hashLine = expected.FindIndex(l => l.StartsWith("Validation hash: ", StringComparison.Ordinal));
        expected[hashLine] = expected[hashLine].Replace("(valid)", "(invalid)", StringComparison.Ordinal);
        var (code, stdout, _) = Run("image", "info", Save("cut.bin", cut), "--chip", "esp32");
        Assert.Equal(ExitCodes.Ok, code);
        Assert.Equal(expected, Lines(stdout));
    }

    [Theory]
    [MemberData(nameof(DigestCuts))]
    public void Verify_CutInsideDigest_BufferStreamAndFlashAgree(int digestBytesKept)
    {
        var whole = new AppImageBuilder(Chip.Esp32).WithPayload(5000).Build();
        int digestAt = (int)AppImage.Parse(whole, Chip.Esp32).Digest!.FileOffset;
        Assert.Equal(whole.Length, digestAt + ImageDigest.Length);
        var cut = whole[..(digestAt + digestBytesKept)];
        var options = new ImageVerifyOptions { ExpectedChip = Chip.Esp32 };

        var fromSpan = ImageVerifier.Verify(cut, options);
        using var stream = new MemoryStream(cut);
        var fromStream = ImageVerifier.Verify(stream, options);
        var flash = new MemoryFlash(0x20000);
        flash.Write(0x10000, cut);
        var fromFlash = ImageVerifier.Verify(flash, new Partition("ota_0", PartitionType.App, 0x10, 0x10000, 0x10000), options);

        // ESP-IDF's verdict: the bootloader reads 32 digest bytes, the missing ones erased (0xFF): hash failed.
        foreach (var v in new[] { fromSpan, fromStream, fromFlash })
        {
            Assert.Equal(ImageCheck.Sha256, v.FailedCheck);
            Assert.Equal(digestAt, v.FailureOffset);
            Assert.Equal(digestAt + ImageDigest.Length, v.ImageLength);
            Assert.Equal(SHA256.HashData(whole.AsSpan(0, digestAt)), v.Digest!.Calculated.ToArray());
        }

        Assert.Equal(fromFlash.Sha256.ToArray(), fromSpan.Sha256.ToArray());
        Assert.Equal(fromFlash.Sha256.ToArray(), fromStream.Sha256.ToArray());

        // A bound that ends inside the digest (a partition that small) is ESP-IDF's "doesn't fit".
        var bounded = ImageVerifier.Verify(cut, options with { MaxLength = cut.Length });
        Assert.Equal(ImageCheck.ImageLength, bounded.FailedCheck);
        Assert.Equal(EspError.ImageInvalid, bounded.Error);

        // Not cut, the same builder image is valid on every path.
        Assert.True(ImageVerifier.Verify(whole, options).IsValid);
    }

    // ---- 3. a zero-length file ---------------------------------------------------------------------

    [Fact]
    public void EmptyFile_InfoUsesEsptoolsWords_VerifyKeepsOurs()
    {
        string path = Save("empty.bin", []);

        // image_info's own first check (esptool/cmds.py).
        var (code, stdout, stderr) = Run("image", "info", path, "--chip", "esp32");
        Assert.Equal(ExitCodes.Failure, code);
        Assert.Equal("File size: 0 (bytes)\n", stdout);
        Assert.Contains("File is empty", stderr, StringComparison.Ordinal);
        Assert.Equal(ExitCodes.Failure, Run("image", "info", path).Code);

        // LoadFirmwareImage's words, as the vectors' "error" field records them: struct.error for the
        // ESP32 family, ord() on the missing first byte for the ESP8266.
        var json = JsonNode.Parse(Run("image", "info", path, "--chip", "esp32", "--json").Out)!;
        Assert.Contains("unpack requires a buffer of 8 bytes", json["error"]!.GetValue<string>(), StringComparison.Ordinal);
        Assert.Contains("unpack requires a buffer of 8 bytes", Assert.Throws<ImageFormatException>(() => AppImage.Parse([], Chip.Esp32C3)).Reason, StringComparison.Ordinal);
        Assert.Equal("ord() expected a character, but string of length 0 found", Assert.Throws<ImageFormatException>(() => AppImage.Parse([], Chip.Esp8266)).Reason);
        Assert.Equal("ord() expected a character, but string of length 0 found", Assert.Throws<ImageFormatException>(() => AppImage.Parse([])).Reason);

        // The verifier's verdict is ESP-IDF's: nothing there.
        var verify = ImageVerifier.Verify([]);
        Assert.Equal(ImageCheck.Truncated, verify.FailedCheck);
        var cli = Run("image", "verify", path, "--json");
        Assert.Equal(ExitCodes.Failure, cli.Code);
        Assert.Equal("Truncated", JsonNode.Parse(cli.Out)!["failed_check"]!.GetValue<string>());
    }

    [Fact]
    public void ShortHeaders_StructUnpackWords()
    {
        var image = new AppImageBuilder(Chip.Esp32).WithPayload(100).Build();
        Assert.Equal("unpack requires a buffer of 8 bytes", Assert.Throws<ImageFormatException>(() => AppImage.Parse(image[..5], Chip.Esp32)).Reason);
        Assert.Equal("unpack requires a buffer of 16 bytes", Assert.Throws<ImageFormatException>(() => AppImage.Parse(image[..20], Chip.Esp32)).Reason);
        Assert.Equal("unpack requires a buffer of 8 bytes", Assert.Throws<ImageFormatException>(() => AppImage.Parse(image[..28], Chip.Esp32)).Reason);
        int checksumAt = (int)AppImage.Parse(image, Chip.Esp32).ChecksumOffset;
        Assert.Equal("ord() expected a character, but string of length 0 found",
            Assert.Throws<ImageFormatException>(() => AppImage.Parse(image[..checksumAt], Chip.Esp32)).Reason);
    }

    [Fact]
    public void Info_NotAnImage_ImageInfosOwnWords()
    {
        var bytes = VectorBytes("e2i_esp32_bootloader");
        bytes[0] = 0x12;
        var (code, stdout, stderr) = Run("image", "info", Save("bad_magic.bin", bytes));
        Assert.Equal(ExitCodes.Failure, code);
        Assert.Equal($"File size: {bytes.Length} (bytes)\n", stdout);
        Assert.Contains("This is not a valid image (invalid magic number: 0x12)", stderr, StringComparison.Ordinal);
    }

    // ---- 4. chip auto-detection ---------------------------------------------------------------------

    [Fact]
    public void AutoChip_HeaderChipIdWins_AndEspIdfChecksChipIdFirst()
    {
        // An ESP32 vector whose header now says ESP32-C3 (5).
        var bytes = VectorBytes("e2i_esp32_app_template");
        BinaryPrimitives.WriteUInt16LittleEndian(bytes.AsSpan(ImageHeader.Size + ExtendedImageHeader.ChipIdOffset), 5);
        Assert.Equal(Chip.Esp32C3, AppImage.DetectChip(bytes));
        var lines = Lines(Run("image", "info", Save("now_c3.bin", bytes)).Out);
        Assert.Equal("Detected image type: ESP32-C3", lines[1]);

        // esptool, told esp32, still loads it and calls only the hash invalid; ESP-IDF stops at the chip id.
        var esptool = AppImage.Parse(bytes, Chip.Esp32);
        Assert.True(esptool.ChecksumValid);
        Assert.False(esptool.Digest!.IsValid);
        var espIdf = ImageVerifier.Verify(bytes, new ImageVerifyOptions { ExpectedChip = Chip.Esp32 });
        Assert.Equal(ImageCheck.ChipId, espIdf.FailedCheck);
        Assert.Equal(ImageHeader.Size + ExtendedImageHeader.ChipIdOffset, espIdf.FailureOffset);

        // A hash byte other than 0/1 makes auto mode fall back to the ESP8266, as esptool does.
        bytes[ImageHeader.Size + ExtendedImageHeader.HashAppendedOffset] = 2;
        Assert.Equal(Chip.Esp8266, AppImage.DetectChip(bytes));
    }

    [Fact]
    public void AppendDigestByteTwo_OurFormattedMessage_NotEsptoolsTuple()
    {
        // esptool 4.8.1 prints "RuntimeError: ('Invalid value for append_digest field (0x%02x). Should be 0 or 1.', 2)".
        var bytes = VectorBytes("e2i_esp32_app_template");
        bytes[ImageHeader.Size + ExtendedImageHeader.HashAppendedOffset] = 2;
        var ex = Assert.Throws<ImageFormatException>(() => AppImage.Parse(bytes, Chip.Esp32));
        Assert.Equal("Invalid value for append_digest field (0x02). Should be 0 or 1.", ex.Reason);
        Assert.Equal(ImageHeader.Size + ExtendedImageHeader.HashAppendedOffset, ex.Offset);
        Assert.Contains("Invalid value for append_digest field (0x02)", Run("image", "info", Save("digest2.bin", bytes), "--chip", "esp32").Err, StringComparison.Ordinal);
    }
}
