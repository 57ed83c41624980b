using System.Security.Cryptography;
using System.Text.Json;
using EspOta.Cli;
using EspOta.Images;
using EspOta.Tests.Shared;

namespace EspOta.Tests.Cli;

/// <summary><c>esp-ota ota apply --estimate</c>: the update runs on a copy, timed with the datasheet model.</summary>
public sealed class OtaEstimateCliTests : IDisposable
{
    private const string Csv = """
        nvs,      data, nvs,     0x9000,  0x4000,
        otadata,  data, ota,     0xd000,  0x2000,
        phy_init, data, phy,     0xf000,  0x1000,
        factory,  app,  factory, 0x10000, 0x80000,
        ota_0,    app,  ota_0,   0x90000, 0x180000,
        ota_1,    app,  ota_1,   0x210000, 0x180000,
        """;

    private readonly DirectoryInfo _dir = Directory.CreateTempSubdirectory("esp-ota-estimate-");

    public void Dispose() => _dir.Delete(recursive: true);

    private string PathOf(string name) => Path.Combine(_dir.FullName, name);

    private static (int Code, string Out, string Err) Run(params string[] args)
    {
        var output = new StringWriter();
        var error = new StringWriter();
        int code = CliRunner.Run(args, output, error);
        return (code, output.ToString(), error.ToString());
    }

    [Fact]
    public void Estimate_OneAndAHalfMiBOnEsp32_FileUnchangedPhasesAddUp()
    {
        File.WriteAllText(PathOf("t.csv"), Csv);
        File.WriteAllBytes(PathOf("factory.bin"), new AppImageBuilder(Chip.Esp32).WithPayload(1000).Build());
        File.WriteAllBytes(PathOf("new.bin"), new AppImageBuilder(Chip.Esp32).WithVersion("2").WithPayload((1536 * 1024) - 0x200).Build());
        Assert.Equal(0, Run("flash", "build", "-p", PathOf("t.csv"), "-a", "factory=" + PathOf("factory.bin"), "-o", PathOf("flash.bin")).Code);
        byte[] before = SHA256.HashData(File.ReadAllBytes(PathOf("flash.bin")));

        var (code, stdout, stderr) = Run("ota", "apply", PathOf("flash.bin"), PathOf("new.bin"), "--estimate", "--json");
        Assert.True(code == 0, stderr);
        Assert.Equal(before, SHA256.HashData(File.ReadAllBytes(PathOf("flash.bin"))));

        using var doc = JsonDocument.Parse(stdout);
        var phases = doc.RootElement.GetProperty("phases").EnumerateArray().ToDictionary(p => p.GetProperty("phase").GetString()!, p => p);
        double Typ(string prefix) => phases.Single(p => p.Key.StartsWith(prefix, StringComparison.Ordinal)).Value.GetProperty("typical_seconds").GetDouble();
        double Max(string prefix) => phases.Single(p => p.Key.StartsWith(prefix, StringComparison.Ordinal)).Value.GetProperty("max_seconds").GetDouble();
        Assert.Equal(Typ("erase") + Typ("program") + Typ("verify") + Typ("next boot"), Typ("total"), 6);
        Assert.True(Max("total") > Typ("total"));
        // 24 block erases of 150 ms and the otadata sector, about 5 s of programming, three 1.5 MiB reads.
        Assert.InRange(Typ("erase"), 3.6, 3.7);
        Assert.InRange(Typ("verify"), 0.3, 0.4);
        Assert.Equal("ota_0", doc.RootElement.GetProperty("next_boot").GetProperty("booted").GetString());

        // QIO at 80 MHz reads four times as fast; erase and program do not change.
        using var fast = JsonDocument.Parse(Run("ota", "apply", PathOf("flash.bin"), PathOf("new.bin"), "--estimate", "--json", "--flash-mode", "qio", "--flash-freq-mhz", "80").Out);
        var fastVerify = fast.RootElement.GetProperty("phases").EnumerateArray().Single(p => p.GetProperty("phase").GetString()!.StartsWith("verify", StringComparison.Ordinal));
        Assert.InRange(fastVerify.GetProperty("typical_seconds").GetDouble(), Typ("verify") / 4.5, Typ("verify") / 3.5);

        Assert.Equal(ExitCodes.Usage, Run("ota", "apply", PathOf("flash.bin"), PathOf("new.bin"), "--estimate", "--flash-mode", "quad").Code);
    }
}
