using System.Text.Json;
using EspOta.Cli;
using EspOta.Tests.Device;

namespace EspOta.Tests.Cli;

/// <summary>The flash / otadata / ota commands, run in-process on files in a temporary folder.</summary>
public sealed class FlashOtaCliTests : IDisposable
{
    private const string Csv = """
        # Name, Type, SubType, Offset, Size, Flags
        nvs,      data, nvs,     0x9000,  0x4000,
        otadata,  data, ota,     0xd000,  0x2000,
        phy_init, data, phy,     0xf000,  0x1000,
        factory,  app,  factory, 0x10000, 1M,
        ota_0,    app,  ota_0,   ,        1M,
        ota_1,    app,  ota_1,   ,        1M,
        """;

    private readonly DirectoryInfo _dir = Directory.CreateTempSubdirectory("esp-ota-cli-");

    public void Dispose() => _dir.Delete(recursive: true);

    private string PathOf(string name) => Path.Combine(_dir.FullName, name);

    private static (int Code, string Out, string Err) Run(params string[] args) => EspOta.Tests.Shared.CliRunner.Run(args);

    private JsonElement RunJson(params string[] args)
    {
        var (code, output, error) = Run([.. args, "--json"]);
        Assert.True(code == 0, $"exit {code}: {error}");
        return JsonDocument.Parse(output).RootElement.Clone();
    }

    private string BuildFlash()
    {
        File.WriteAllText(PathOf("t.csv"), Csv);
        File.WriteAllBytes(PathOf("factory.bin"), TestDevices.App("factory"));
        var built = RunJson("flash", "build", "--partitions", PathOf("t.csv"), "--app", "factory=" + PathOf("factory.bin"), "-o", PathOf("flash.bin"));
        Assert.Equal(0xD000, built.GetProperty("otadata").GetInt32());
        return PathOf("flash.bin");
    }

    [Fact]
    public void FlashBuild_ThenBoot_FactoryBootsWithErasedOtadata()
    {
        string flash = BuildFlash();

        Assert.Equal(4 * 1024 * 1024, new FileInfo(flash).Length);
        var boot = RunJson("flash", "boot", flash).GetProperty("boot");
        Assert.Equal("factory", boot.GetProperty("booted").GetString());
        Assert.Equal("factory", boot.GetProperty("version").GetString());
        Assert.Equal(-1, boot.GetProperty("selected_index").GetInt32());
    }

    [Fact]
    public void OtaApply_NewApp_WritesNextSlotAndSwitchesBoot()
    {
        string flash = BuildFlash();
        File.WriteAllBytes(PathOf("v2.bin"), TestDevices.App("v2"));

        var applied = RunJson("ota", "apply", flash, PathOf("v2.bin"));

        Assert.Equal("factory", applied.GetProperty("running_before").GetString());
        Assert.Equal("ota_0", applied.GetProperty("target").GetString());
        Assert.Equal("v2", applied.GetProperty("next_boot").GetProperty("version").GetString());
        var shown = RunJson("otadata", "show", flash);
        Assert.Equal("ota_0", shown.GetProperty("boot_partition").GetString());
        Assert.Equal(0, shown.GetProperty("active_copy").GetInt32());
        Assert.Equal(1u, shown.GetProperty("copies")[0].GetProperty("sequence").GetUInt32());
        Assert.Equal("ota_0", RunJson("flash", "boot", flash).GetProperty("boot").GetProperty("booted").GetString());
    }

    [Fact]
    public void OtaApply_UnpaddedImageEndingInsideFactory_BootsAndGrowsTheFile()
    {
        // esptool merge_bin does not pad: the file ends with the last byte of the last binary.
        string flash = BuildFlash();
        var bytes = File.ReadAllBytes(flash);
        int used = bytes.AsSpan().LastIndexOfAnyExcept((byte)0xFF) + 1;
        Assert.InRange(used, 0x10001, 0x10000 + 0x100000 - 1);
        File.WriteAllBytes(flash, bytes[..used]);

        Assert.Equal("factory", RunJson("flash", "boot", flash).GetProperty("boot").GetProperty("booted").GetString());
        File.WriteAllBytes(PathOf("v2.bin"), TestDevices.App("v2"));
        Assert.Equal("ota_0", RunJson("ota", "apply", flash, PathOf("v2.bin")).GetProperty("target").GetString());

        Assert.True(new FileInfo(flash).Length > 0x110000, "the file must grow to keep the app written into ota_0");
        Assert.Equal("ota_0", RunJson("flash", "boot", flash).GetProperty("boot").GetProperty("booted").GetString());
    }

    [Theory]
    [InlineData("--flash-size", "9999999999999MB")]
    [InlineData("--flash-size", "-4MB")]
    [InlineData("--flash-size", "lots")]
    [InlineData("--table-offset", "0x")]
    public void FlashBuild_BadSize_UsageExitCode(string option, string value)
    {
        File.WriteAllText(PathOf("t.csv"), Csv);
        var (code, _, error) = Run("flash", "build", "--partitions", PathOf("t.csv"), option, value, "-o", PathOf("flash.bin"));

        Assert.Equal(ExitCodes.Usage, code);
        Assert.DoesNotContain("internal error", error, StringComparison.Ordinal);
    }

    [Fact]
    public void OtadataSwitchAndErase_BackToFactory_FactoryBoots()
    {
        string flash = BuildFlash();
        File.WriteAllBytes(PathOf("v2.bin"), TestDevices.App("v2"));
        RunJson("ota", "apply", flash, PathOf("v2.bin"));

        Assert.Equal("factory", RunJson("otadata", "switch", "factory", flash).GetProperty("boot_partition").GetString());
        RunJson("otadata", "switch", "0", flash);
        Assert.Equal("ota_0", RunJson("flash", "boot", flash).GetProperty("boot").GetProperty("booted").GetString());
        RunJson("otadata", "erase", flash);

        Assert.Equal("factory", RunJson("flash", "boot", flash).GetProperty("boot").GetProperty("booted").GetString());
    }

    [Fact]
    public void OtadataSwitchNoValidate_EmptySlot_BootReportsSelectionAndFallback()
    {
        string flash = BuildFlash();
        File.WriteAllBytes(PathOf("v2.bin"), TestDevices.App("v2"));
        RunJson("ota", "apply", flash, PathOf("v2.bin"));

        Assert.Equal("ota_1", RunJson("otadata", "switch", "ota_1", flash, "--no-validate").GetProperty("boot_partition").GetString());
        var boot = RunJson("flash", "boot", flash).GetProperty("boot");

        // otadata selects ota_1 (index 1), whose image does not verify: the walk falls back to ota_0.
        Assert.Equal(1, boot.GetProperty("selected_index").GetInt32());
        Assert.Equal("ota_0", boot.GetProperty("booted").GetString());
        var steps = string.Join("\n", boot.GetProperty("steps").EnumerateArray().Select(e => e.ToString()));
        Assert.Contains("ota_1", steps, StringComparison.Ordinal);
    }

    [Fact]
    public void OtadataSwitch_EmptySlotImage_FailsWithValidateError()
    {
        string flash = BuildFlash();

        var (code, _, error) = Run("otadata", "switch", "ota_1", flash);

        Assert.Equal(ExitCodes.Failure, code);
        Assert.Contains("ESP_ERR_OTA_VALIDATE_FAILED", error);
    }

    [Fact]
    public void FlashBoot_NoBootableApp_ExitCodeFailure()
    {
        File.WriteAllText(PathOf("t.csv"), Csv);
        RunJson("flash", "build", "--partitions", PathOf("t.csv"), "-o", PathOf("empty.bin"));

        var (code, output, _) = Run("flash", "boot", PathOf("empty.bin"), "--json");

        Assert.Equal(ExitCodes.Failure, code);
        Assert.True(JsonDocument.Parse(output).RootElement.GetProperty("boot").GetProperty("reset").GetBoolean());
    }

    [Fact]
    public void FlashBuild_AppTooLargeForPartition_Usage()
    {
        File.WriteAllText(PathOf("t.csv"), Csv);
        File.WriteAllBytes(PathOf("big.bin"), new byte[0x100001]);

        var (code, _, _) = Run("flash", "build", "--partitions", PathOf("t.csv"), "--app", "factory=" + PathOf("big.bin"), "-o", PathOf("x.bin"));

        Assert.Equal(ExitCodes.Usage, code);
    }
}
