using System.Text.Json;
using EspOta.Cli;
using EspOta.Tests.Shared;

namespace EspOta.Tests.Cli;

/// <summary><c>esp-ota delta create|apply|info</c>, run in-process on the delta vectors.</summary>
public sealed class DeltaCommandTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("espota-delta-cli-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private static string Image(string name) => Vectors.PathOf("delta", "images", name + ".bin");

    private static (int Code, string Out, string Err) Run(params string[] args)
    {
        var stdout = new StringWriter();
        var stderr = new StringWriter();
        int code = CliRunner.Run(args, stdout, stderr);
        return (code, stdout.ToString(), stderr.ToString());
    }

    [Theory]
    [InlineData("heatshrink")]
    [InlineData("none")]
    public void CreateThenApply_RoundTripsTheNewImage(string compression)
    {
        string patch = Path.Combine(_dir, "p.bin");
        string result = Path.Combine(_dir, "new.bin");
        var created = Run("delta", "create", Image("esp_idf_blink_esp32s2"), Image("esp_idf_blink_esp32s2_v2"), "-o", patch, "--compression", compression);
        Assert.Equal(ExitCodes.Ok, created.Code);
        var bytes = File.ReadAllBytes(patch);
        Assert.Equal(new byte[] { 0x10, 0xDE, 0xCD, 0xFC }, bytes[..4]);
        Assert.Equal(compression == "none" ? 0x00 : 0x04, bytes[64]);
        var applied = Run("delta", "apply", Image("esp_idf_blink_esp32s2"), patch, "-o", result);
        Assert.Equal(ExitCodes.Ok, applied.Code);
        Assert.Equal(File.ReadAllBytes(Image("esp_idf_blink_esp32s2_v2")), File.ReadAllBytes(result));
    }

    [Fact]
    public void Apply_WrongBase_IsRefusedByTheHeader()
    {
        string result = Path.Combine(_dir, "new.bin");
        var (code, _, err) = Run("delta", "apply", Image("esp_idf_blink_esp32s2"), Vectors.PathOf("delta", "patches", "neg_wrong_base.bin"), "-o", result);
        Assert.Equal(ExitCodes.Failure, code);
        Assert.Contains("SHA-256", err);
        Assert.False(File.Exists(result));
    }

    [Fact]
    public void Create_BaseWithoutValidationHash_Fails()
    {
        var (code, _, err) = Run("delta", "create", Image("bootloader_esp32"), Image("bootloader_esp32_v5_2"), "-o", Path.Combine(_dir, "p.bin"));
        Assert.Equal(ExitCodes.Failure, code);
        Assert.Contains("validation hash", err);
    }

    [Fact]
    public void Info_HeaderPatch_PrintsHeaderAndPatchInfo()
    {
        using var index = Vectors.ReadJson("delta", "index.json");
        var c = index.RootElement.GetProperty("cases").EnumerateArray().Single(e => e.GetProperty("name").GetString() == "hello_world_version_string");
        var (code, stdout, _) = Run("delta", "info", Vectors.PathOf("delta", "patches", "hello_world_version_string.bin"));
        Assert.Equal(ExitCodes.Ok, code);
        Assert.EndsWith(c.GetProperty("patch_info").GetProperty("stdout").GetString()!, stdout, StringComparison.Ordinal);
        Assert.StartsWith("esp_delta_ota header: magic 0xfccdde10, base SHA-256 2d1a1270", stdout, StringComparison.Ordinal);
        var json = Run("delta", "info", Vectors.PathOf("delta", "patches", "hello_world_version_string.bin"), "--json");
        using var doc = JsonDocument.Parse(json.Out);
        Assert.Equal(120432, doc.RootElement.GetProperty("to_size").GetInt64());
        Assert.Equal(3, doc.RootElement.GetProperty("diff_sizes").GetArrayLength());
    }
}
