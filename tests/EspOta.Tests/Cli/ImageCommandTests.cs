using System.Text.Json;
using System.Text.Json.Nodes;
using EspOta.Cli;
using EspOta.Images;
using EspOta.Tests.Images;

namespace EspOta.Tests.Cli;

/// <summary><c>esp-ota image info|verify|build</c>, run in-process.</summary>
public sealed class ImageCommandTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("espota-image-cli-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private static (int Code, string Out, string Err) Run(params string[] args)
        => EspOta.Tests.Shared.CliRunner.Run(args);

    private const string FatalPrefix = "A fatal error occurred: ";

    public static TheoryData<string> Cases() => ImageVectorTests.Cases();

    [Theory]
    [MemberData(nameof(Cases))]
    public void Info_Vector_TextMatchesEsptoolImageInfo(string name)
    {
        var lines = File.ReadAllText(Vectors.PathOf("images", name + ".image_info.txt")).TrimEnd('\n').Split('\n');
        using var doc = Vectors.ReadJson("images", name + ".json");
        var chip = doc.RootElement.GetProperty("chip").GetString()!;
        var (code, stdout, stderr) = Run("image", "info", Vectors.PathOf("images", name + ".bin"), "--chip", chip);
        int esptoolExit = int.Parse(lines[^1].Replace("[exit code ", "").TrimEnd(']'));
        if (esptoolExit != 0)
        {
            Assert.Equal(ExitCodes.Failure, code);
            Assert.Contains("error", stderr);
            int fatal = Array.FindIndex(lines, l => l.StartsWith(FatalPrefix, StringComparison.Ordinal));
            if (fatal >= 0)
            {
                // esptool's FatalError: what it printed before (file size, detected chip, load warnings)
                // comes out on stdout line for line, and its reason in its words on stderr.
                Assert.Equal(string.Join("\n", lines[2..(fatal - 1)]), stdout.Replace("\r\n", "\n").TrimEnd('\n'));
                Assert.Contains(lines[fatal][FatalPrefix.Length..], stderr, StringComparison.Ordinal);
            }

            return;
        }

        Assert.Equal(ExitCodes.Ok, code);
        // Drop the command line, esptool's version banner and the exit code line.
        var expected = string.Join("\n", lines[2..^1]);
        Assert.Equal(expected, stdout.Replace("\r\n", "\n").TrimEnd('\n'));
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void InfoJson_Vector_SameFactsAsVector(string name)
    {
        var expected = JsonNode.Parse(File.ReadAllText(Vectors.PathOf("images", name + ".json")))!.AsObject();
        var (code, stdout, _) = Run("image", "info", Vectors.PathOf("images", name + ".bin"), "--chip", expected["chip"]!.GetValue<string>(), "--json");
        var actual = JsonNode.Parse(stdout)!.AsObject();
        if (expected["error"] is not null)
        {
            Assert.Equal(ExitCodes.Failure, code);
            Assert.False(actual["valid"]!.GetValue<bool>());
            Assert.NotNull(actual["error"]);
            return;
        }

        Assert.Equal(ExitCodes.Ok, code);
        foreach (var (key, value) in expected)
        {
            if (key is "name" or "source" or "note")
            {
                continue;
            }

            Assert.True(JsonNode.DeepEquals(value, actual[key]), $"{key}: expected {value?.ToJsonString()}, got {actual[key]?.ToJsonString()}");
        }
    }

    [Fact]
    public void Info_AutoChip_DetectsFromChipId()
    {
        var (code, stdout, _) = Run("image", "info", Vectors.PathOf("images", "esp_idf_blink_esp32s2.bin"), "--json");
        Assert.Equal(ExitCodes.Ok, code);
        Assert.Equal("esp32s2", JsonNode.Parse(stdout)!["chip"]!.GetValue<string>());
    }

    [Fact]
    public void Info_AutoChipText_SaysDetectedLikeEsptool()
    {
        var (code, stdout, _) = Run("image", "info", Vectors.PathOf("images", "bootloader_esp32c3.bin"));
        Assert.Equal(ExitCodes.Ok, code);
        var lines = stdout.Replace("\r\n", "\n").Split('\n');
        Assert.Equal("Detected image type: ESP32-C3", lines[1]);
        Assert.Equal("ESP32-C3 image header", lines[3]);
    }

    [Fact]
    public void Verify_ValidAndCorrupt_ExitCodes()
    {
        Assert.Equal(ExitCodes.Ok, Run("image", "verify", Vectors.PathOf("images", "e2i_esp32_app_template.bin"), "--chip", "esp32").Code);
        var (code, stdout, _) = Run("image", "verify", Vectors.PathOf("images", "corrupt_hash_only.bin"), "--json");
        Assert.Equal(ExitCodes.Failure, code);
        var json = JsonNode.Parse(stdout)!;
        Assert.False(json["valid"]!.GetValue<bool>());
        Assert.Equal("Sha256", json["failed_check"]!.GetValue<string>());
        Assert.Equal("ESP_ERR_IMAGE_INVALID", json["esp_err"]!.GetValue<string>());
        Assert.Equal(ExitCodes.Failure, Run("image", "verify", Vectors.PathOf("images", "e2i_esp32_app_template.bin"), "--chip", "esp32s3").Code);
    }

    [Fact]
    public void Verify_SecureBootV2_SignedValidUnsignedNot()
    {
        Assert.Equal(ExitCodes.Ok, Run("image", "verify", Vectors.PathOf("images", "secure_bootloader_signed_v2_rsa.bin"), "--bootloader", "--secure-boot-v2").Code);
        Assert.Equal(ExitCodes.Failure, Run("image", "verify", Vectors.PathOf("images", "secure_bootloader_unsigned_v2.bin"), "--bootloader", "--secure-boot-v2").Code);
    }

    [Fact]
    public void Build_ThenVerifyAndInfo_RoundTrips()
    {
        var path = Path.Combine(_dir, "app.bin");
        var (code, stdout, stderr) = Run("image", "build", "--chip", "esp32", "--project", "demo", "--version", "1.2.3", "--secure-version", "4", "--size", "1M", "-o", path, "--json");
        Assert.True(code == ExitCodes.Ok, stderr);
        Assert.Equal(1024 * 1024, new FileInfo(path).Length);
        Assert.True(JsonNode.Parse(stdout)!["valid"]!.GetValue<bool>());

        var verify = Run("image", "verify", path, "--chip", "esp32s3");
        Assert.Equal(ExitCodes.Failure, verify.Code);
        var ok = Run("image", "verify", path, "--chip", "esp32", "--json");
        Assert.Equal(ExitCodes.Ok, ok.Code);
        var desc = JsonNode.Parse(ok.Out)!["app_desc"]!;
        Assert.Equal("demo", desc["project_name"]!.GetValue<string>());
        Assert.Equal("1.2.3", desc["version"]!.GetValue<string>());
        Assert.Equal(4u, desc["secure_version"]!.GetValue<uint>());

        var info = Run("image", "info", path);
        Assert.Equal(ExitCodes.Ok, info.Code);
        Assert.Contains("Project name: demo", info.Out);
        Assert.Contains("Checksum: ", info.Out);
        Assert.Contains("(valid)", info.Out);
    }

    [Fact]
    public void Build_UnknownChip_Usage()
    {
        var (code, _, stderr) = Run("image", "build", "--chip", "esp99", "-o", Path.Combine(_dir, "x.bin"));
        Assert.Equal(ExitCodes.Usage, code);
        Assert.Contains("esp99", stderr);
    }

    [Fact]
    public void Build_SizeTooSmall_Usage()
    {
        var (code, _, _) = Run("image", "build", "--chip", "esp32c3", "--payload", "8K", "--size", "4K", "-o", Path.Combine(_dir, "x.bin"));
        Assert.Equal(ExitCodes.Usage, code);
    }

    [Fact]
    public void Info_MissingFile_Usage() =>
        Assert.Equal(ExitCodes.Usage, Run("image", "info", Path.Combine(_dir, "missing.bin")).Code);
}
