using System.Text.Json;
using EspOta.Boot;
using EspOta.Cli;
using EspOta.Doctor;
using EspOta.Flash;
using EspOta.Images;
using EspOta.Torture;
using Xunit.Abstractions;
using EspOta.Tests.Shared;

namespace EspOta.Tests.Doctor;

/// <summary>The doctor on every cut state of power-loss sweeps, and <c>esp-ota otadata doctor</c> itself.</summary>
public sealed class OtaDataDoctorSweepTests(ITestOutputHelper output) : IDisposable
{
    private readonly DirectoryInfo _dir = Directory.CreateTempSubdirectory("esp-ota-doctor-");

    public void Dispose() => _dir.Delete(recursive: true);

    public static TheoryData<string, bool> Sweeps() => new()
    {
        { "mark-valid", false },
        { "mark-valid", true },
        { "full-ota", false },
        { "full-ota", true },
        { "rollback", true },
        { "first-boot", false },
    };

    [Theory]
    [MemberData(nameof(Sweeps))]
    public void Diagnose_EverySweepCutState_ExplanationAndBootAgree(string scenario, bool rollback)
    {
        int states = 0, torn = 0;
        var seen = new HashSet<string>();
        TortureEngine.Run(TortureScenarios.Find(scenario)!, new TortureOptions
        {
            ImageSize = 8 * 1024,
            Rollback = rollback,
            Seed = 20261124,
            CutObserver = (cut, bytes) =>
            {
                if (!seen.Add(Convert.ToHexString(System.Security.Cryptography.SHA256.HashData(bytes))))
                {
                    return;
                }

                var d = OtaDataDoctor.Diagnose(MemoryFlash.FromImage(bytes, bytes.Length, strict: false));
                foreach (var p in new[] { d.RollbackOff, d.RollbackOn })
                {
                    Assert.True(p.Agrees, $"{scenario} cut {cut}: rollback {p.Rollback}: doctor {p.Predicted ?? "nothing"}, bootloader {p.Booted ?? "nothing"}\n{string.Join("\n", p.Reasons)}\n---\n{string.Join("\n", p.BootSteps)}");
                }

                torn += d.Copies.Count(c => c.Torn);
                Assert.Equal(d.Copies.Count(c => c.Torn), d.Hazards.Count(h => h.Contains("torn entry", StringComparison.Ordinal)));
                states++;
            },
        });
        output.WriteLine($"{scenario} rollback {rollback}: {states} distinct cut states diagnosed, {torn} torn copies among them");
        Assert.True(states > 0);
    }

    private (int Code, string Out, string Err) Run(params string[] args)
    {
        var stdout = new StringWriter();
        var stderr = new StringWriter();
        int code = CliRunner.Run(args, stdout, stderr);
        return (code, stdout.ToString(), stderr.ToString());
    }

    private string PathOf(string name) => Path.Combine(_dir.FullName, name);

    [Fact]
    public void Cli_TornSweepState_ExplainsRepairsWithDryRunAndBootsTheChosenSlot()
    {
        // A cut of the mark-valid sweep inside the write of the update's entry: that entry is torn,
        // the old app boots. (Which cut a finding's --dump shows depends on the interrupted-erase
        // model, so the state is taken from the sweep itself.)
        byte[]? torn = null;
        TortureEngine.Run(TortureScenarios.Find("mark-valid")!, new TortureOptions
        {
            ImageSize = 64 * 1024,
            Seed = 20261124,
            CutObserver = (_, bytes) =>
            {
                if (torn is null && OtaDataDoctor.Diagnose(MemoryFlash.FromImage(bytes, bytes.Length, strict: false)) is { ActiveCopy: 0 } d
                    && d.Copies[1].Torn && d.RollbackOff.Predicted == "ota_0" && d.RollbackOn.Predicted == "ota_0")
                {
                    torn = bytes.ToArray();
                }
            },
        });
        Assert.NotNull(torn);
        string image = PathOf("torn.bin");
        File.WriteAllBytes(image, torn);
        byte[] before = File.ReadAllBytes(image);

        using (var doc = JsonDocument.Parse(Run("otadata", "doctor", image, "--json").Out))
        {
            var root = doc.RootElement;
            Assert.Equal(0, root.GetProperty("active_copy").GetInt32());
            Assert.True(root.GetProperty("copies")[1].GetProperty("torn").GetBoolean());
            foreach (var boot in root.GetProperty("boot").EnumerateArray())
            {
                Assert.True(boot.GetProperty("agrees").GetBoolean());
                Assert.Equal("ota_0", boot.GetProperty("boots").GetString());
            }

            Assert.Contains(root.GetProperty("hazards").EnumerateArray(), h => h.GetString()!.Contains("torn entry", StringComparison.Ordinal));
        }

        // Dry run: the bytes, and the file untouched.
        using (var dry = JsonDocument.Parse(Run("otadata", "doctor", image, "--repair", "--select", "ota_1", "--dry-run", "--json").Out))
        {
            var fix = dry.RootElement.GetProperty("repair");
            Assert.False(fix.GetProperty("applied").GetBoolean());
            Assert.Equal(1, fix.GetProperty("copy").GetInt32());
            Assert.NotEmpty(fix.GetProperty("changes").EnumerateArray());
            Assert.Equal(before, File.ReadAllBytes(image));
        }

        Assert.Equal(0, Run("otadata", "doctor", image, "--repair", "--select", "ota_1").Code);
        Assert.NotEqual(before, File.ReadAllBytes(image));
        foreach (string[] extra in new[] { Array.Empty<string>(), ["--rollback"] })
        {
            using var boot = JsonDocument.Parse(Run(["flash", "boot", image, "--json", .. extra]).Out);
            Assert.Equal("ota_1", boot.RootElement.GetProperty("boot").GetProperty("booted").GetString());
        }

        using var healthy = JsonDocument.Parse(Run("otadata", "doctor", image, "--json").Out);
        Assert.Empty(healthy.RootElement.GetProperty("hazards").EnumerateArray());
    }

    [Fact]
    public void Cli_OtaDataDumpWithTable_AndRefusals()
    {
        // A flash image, then its otadata partition alone with the table beside it.
        File.WriteAllText(PathOf("t.csv"), "nvs,data,nvs,0x9000,0x4000,\notadata,data,ota,0xd000,0x2000,\nfactory,app,factory,0x10000,0x10000,\nota_0,app,ota_0,0x20000,0x10000,\nota_1,app,ota_1,0x30000,0x10000,\n");
        File.WriteAllBytes(PathOf("f.bin"), new AppImageBuilder(Chip.Esp32).WithPayload(100).Build());
        Assert.Equal(0, Run("flash", "build", "-p", PathOf("t.csv"), "-a", "factory=" + PathOf("f.bin"), "-a", "ota_0=" + PathOf("f.bin"), "-o", PathOf("flash.bin")).Code);
        Assert.Equal(0, Run("otadata", "switch", "ota_0", PathOf("flash.bin")).Code);
        var flash = File.ReadAllBytes(PathOf("flash.bin"));
        File.WriteAllBytes(PathOf("otadata.bin"), flash.AsSpan(0xD000, 0x2000).ToArray());

        using (var doc = JsonDocument.Parse(Run("otadata", "doctor", PathOf("otadata.bin"), "--table", PathOf("t.csv"), "--json").Out))
        {
            Assert.False(doc.RootElement.GetProperty("images_checked").GetBoolean());
            Assert.Equal("ota_0", doc.RootElement.GetProperty("boot")[0].GetProperty("boots").GetString());
        }

        // Repair of the dump: factory = both sectors erased; written back atomically, same size.
        Assert.Equal(0, Run("otadata", "doctor", PathOf("otadata.bin"), "--table", PathOf("t.csv"), "--repair", "--select", "factory").Code);
        Assert.All(File.ReadAllBytes(PathOf("otadata.bin")), b => Assert.Equal(0xFF, b));

        // ota_1 is empty: the repair refuses (its image does not verify) and changes nothing.
        var (code, _, err) = Run("otadata", "doctor", PathOf("flash.bin"), "--repair", "--select", "ota_1");
        Assert.Equal(ExitCodes.Failure, code);
        Assert.Contains("does not verify", err, StringComparison.Ordinal);
        Assert.Equal(flash, File.ReadAllBytes(PathOf("flash.bin")));

        Assert.Equal(ExitCodes.Usage, Run("otadata", "doctor", PathOf("flash.bin"), "--repair").Code);
        Assert.Equal(ExitCodes.Usage, Run("otadata", "doctor", PathOf("flash.bin"), "--dry-run").Code);
        Assert.Equal(ExitCodes.Usage, Run("otadata", "doctor", PathOf("flash.bin"), "--table", PathOf("t.csv")).Code);
        Assert.Equal(ExitCodes.Usage, Run("otadata", "doctor", PathOf("missing.bin")).Code);
        Assert.Equal(ExitCodes.Failure, Run("otadata", "doctor", PathOf("flash.bin"), "--repair", "--select", "nope").Code);
    }
}
