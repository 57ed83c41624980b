using System.Diagnostics;
using System.Text;
using System.Text.Json;
using EspOta.Cli.Files;
using EspOta.Tests.Device;
using EspOta.Tests.Shared;

namespace EspOta.Tests.Cli;

/// <summary>
/// Issue 16, item 1, per command: every command that writes a flash image file is run as a real
/// <c>esp-ota</c> process (the built esp-ota.dll, or <c>ESP_OTA_CLI</c>'s binary) and killed with
/// SIGKILL while it writes — paused at a step of the atomic write by <see cref="CliTestHooks"/>, or at
/// seeded random delays. The file is then exactly the old bytes or exactly the new ones, still boots,
/// and the next run leaves no temporary file behind.
/// </summary>
public sealed class FlashWriteKillTests : IDisposable
{
    private const string Csv = """
        nvs,      data, nvs,     0x9000,  0x4000,
        otadata,  data, ota,     0xd000,  0x2000,
        phy_init, data, phy,     0xf000,  0x1000,
        factory,  app,  factory, 0x10000, 1M,
        ota_0,    app,  ota_0,   ,        1M,
        ota_1,    app,  ota_1,   ,        1M,
        """;

    private readonly List<DirectoryInfo> _dirs = [];

    /// <summary>Each command: what to prepare in the folder, the file it rewrites, and its arguments.</summary>
    private static readonly Dictionary<string, (Action<string> Prepare, string Target, string[] Args)> Commands = new()
    {
        ["flash build"] = (_ => { }, "flash.bin", ["flash", "build", "--partitions", "{t.csv}", "--app", "factory={factory.bin}", "--app", "ota_0={v2.bin}", "-o", "{flash.bin}"]),
        ["flash boot --write-back"] = (d => Cli(d, "partition", "write", "{flash.bin}", "--name", "nvs", "--input", "{nvs.bin}"), "flash.bin", ["flash", "boot", "{flash.bin}", "--write-back", "--factory-reset", "nvs"]),
        ["ota apply"] = (_ => { }, "flash.bin", ["ota", "apply", "{flash.bin}", "{v2.bin}"]),
        ["otadata switch"] = (d => Cli(d, "ota", "apply", "{flash.bin}", "{v2.bin}"), "flash.bin", ["otadata", "switch", "factory", "{flash.bin}"]),
        ["otadata erase"] = (d => Cli(d, "ota", "apply", "{flash.bin}", "{v2.bin}"), "flash.bin", ["otadata", "erase", "{flash.bin}"]),
        ["otadata doctor --repair"] = (d => Cli(d, "ota", "apply", "{flash.bin}", "{v2.bin}"), "flash.bin", ["otadata", "doctor", "{flash.bin}", "--repair", "--select", "factory"]),
        ["partition write"] = (_ => { }, "flash.bin", ["partition", "write", "{flash.bin}", "--name", "nvs", "--input", "{nvs.bin}"]),
        ["partition erase"] = (d => Cli(d, "partition", "write", "{flash.bin}", "--name", "nvs", "--input", "{nvs.bin}"), "flash.bin", ["partition", "erase", "{flash.bin}", "--type", "data", "--subtype", "nvs"]),
        ["ota write"] = (_ => { }, "flash.bin", ["ota", "write", "{flash.bin}", "--slot", "1", "--input", "{v2.bin}"]),
        ["ota erase"] = (d => Cli(d, "ota", "apply", "{flash.bin}", "{v2.bin}"), "flash.bin", ["ota", "erase", "{flash.bin}", "--slot", "0"]),
        ["device create"] = (d => Cli(d, "device", "create", "--flash", "{dev.bin}", "--factory", "{factory.bin}", "--slot-size", "256K"), "dev.bin", ["device", "create", "--flash", "{dev.bin}", "--factory", "{v2.bin}", "--slot-size", "256K"]),
    };

    public static TheoryData<string, string> CommandsAndSteps()
    {
        var data = new TheoryData<string, string>();
        foreach (string command in Commands.Keys)
        {
            foreach (string step in new[] { "wrote", "flushed", "renamed" })
            {
                data.Add(command, step);
            }
        }

        return data;
    }

    [Fact]
    public void EveryCommandThatSavesAFlashImage_HasAKillCase()
    {
        // The commands whose code calls FlashImageFiles.Save or writes a "flash image" / "device flash image" with CliFiles.WriteAtomic.
        string[] expected = ["flash build", "flash boot --write-back", "ota apply", "otadata switch", "otadata erase", "otadata doctor --repair", "partition write", "partition erase", "ota write", "ota erase", "device create"];
        Assert.Equal(expected.Order(), Commands.Keys.Order());
    }

    [Theory]
    [MemberData(nameof(CommandsAndSteps))]
    public async Task Command_KilledAtAStepOfTheSave_LeavesOldOrNewBytesThatBoot(string command, string step)
    {
        var (prepare, target, args) = Commands[command];
        byte[] expectedNew = Reference(command);
        string dir = NewFolder(prepare);
        string path = Path.Combine(dir, target);
        byte[] old = File.ReadAllBytes(path);
        Assert.NotEqual(old, expectedNew);

        await RunAndKillAtStepAsync(Expand(dir, args), step);

        byte[] after = File.ReadAllBytes(path);
        byte[] wanted = step == "renamed" ? expectedNew : old;
        int differs = after.AsSpan().CommonPrefixLength(wanted);
        Assert.True(after.AsSpan().SequenceEqual(wanted), $"{command} killed {step}: {after.Length} bytes, expected {wanted.Length} ({(step == "renamed" ? "new" : "old")}); first difference at 0x{differs:x}");
        AssertBoots(path);
        if (step == "renamed")
        {
            Assert.Empty(Temporaries(dir, target));
            return;
        }

        // A writer killed before the rename leaves its temporary file; the next run removes it and
        // writes what an uninterrupted run writes (after the rename a second run would be a second
        // command: `ota apply` twice fills the other slot too).
        Assert.Single(Temporaries(dir, target));
        var (code, _, err) = CliRunner.Run(Expand(dir, args));
        Assert.True(code == 0, $"{command} after the kill: exit {code}: {err}");
        Assert.Equal(expectedNew, File.ReadAllBytes(path));
        Assert.Empty(Temporaries(dir, target));
    }

    [Fact]
    public async Task OtaApply_KilledAtSeededRandomMoments_AlwaysOldOrNew()
    {
        const int seed = 1616;
        var random = new Random(seed);
        var (prepare, target, args) = Commands["ota apply"];
        byte[] expectedNew = Reference("ota apply");
        var outcomes = new List<string>();
        for (int run = 0; run < 6; run++)
        {
            int delay = random.Next(0, 2500);
            string dir = NewFolder(prepare);
            string path = Path.Combine(dir, target);
            byte[] old = File.ReadAllBytes(path);

            bool killed = await CliRunner.RunAndKillAfterAsync(Expand(dir, args), TimeSpan.FromMilliseconds(delay));

            byte[] after = File.ReadAllBytes(path);
            bool isOld = after.AsSpan().SequenceEqual(old), isNew = after.AsSpan().SequenceEqual(expectedNew);
            outcomes.Add($"run {run} (seed {seed}, kill after {delay} ms, killed {killed}): {(isOld ? "old" : isNew ? "new" : "TORN")}");
            Assert.True(isOld || isNew, string.Join("\n", outcomes));
            AssertBoots(path);
        }
    }

    public void Dispose()
    {
        foreach (var dir in _dirs)
        {
            dir.Delete(recursive: true);
        }
    }

    /// <summary>The bytes a complete run of <paramref name="command"/> writes (in a folder of its own).</summary>
    private byte[] Reference(string command)
    {
        var (prepare, target, args) = Commands[command];
        string dir = NewFolder(prepare);
        var (code, _, err) = CliRunner.Run(Expand(dir, args));
        Assert.True(code == 0, $"{command}: exit {code}: {err}");
        return File.ReadAllBytes(Path.Combine(dir, target));
    }

    /// <summary>A folder with the table, the apps, nvs data and a built flash.bin, then the command's own preparation.</summary>
    private string NewFolder(Action<string> prepare)
    {
        var dir = Directory.CreateTempSubdirectory("esp-ota-kill-");
        _dirs.Add(dir);
        File.WriteAllText(Path.Combine(dir.FullName, "t.csv"), Csv);
        File.WriteAllBytes(Path.Combine(dir.FullName, "factory.bin"), TestDevices.App("factory"));
        File.WriteAllBytes(Path.Combine(dir.FullName, "v2.bin"), TestDevices.App("v2", payload: 300_000));
        var nvs = new byte[0x4000];
        new Random(3).NextBytes(nvs);
        File.WriteAllBytes(Path.Combine(dir.FullName, "nvs.bin"), nvs);
        Cli(dir.FullName, "flash", "build", "--partitions", "{t.csv}", "--app", "factory={factory.bin}", "-o", "{flash.bin}");
        prepare(dir.FullName);
        return dir.FullName;
    }

    private static void Cli(string dir, params string[] args)
    {
        var (code, _, err) = CliRunner.Run(Expand(dir, args));
        Assert.True(code == 0, $"{string.Join(' ', args)}: exit {code}: {err}");
    }

    private static string[] Expand(string dir, string[] args) =>
        [.. args.Select(a => System.Text.RegularExpressions.Regex.Replace(a, @"\{([^}]+)\}", m => Path.Combine(dir, m.Groups[1].Value)))];

    private static string[] Temporaries(string dir, string target) => Directory.GetFiles(dir, $".{target}.*.tmp");

    private static void AssertBoots(string flash)
    {
        var (code, output, err) = CliRunner.Run("flash", "boot", flash, "--json");
        Assert.True(code == 0, $"flash boot {flash}: exit {code}: {err}");
        var boot = JsonDocument.Parse(output).RootElement.GetProperty("boot");
        Assert.False(string.IsNullOrEmpty(boot.GetProperty("booted").GetString()), output);
    }

    private static ProcessStartInfo StartInfo(string[] args, string? pauseAt)
    {
        var start = CliRunner.ProcessStart(args);
        if (pauseAt is not null)
        {
            start.Environment[CliTestHooks.PauseVariable] = pauseAt;
        }

        return start;
    }

    /// <summary>Starts the command paused at <paramref name="step"/>, waits until it says it is there, and kills it (SIGKILL).</summary>
    private static async Task RunAndKillAtStepAsync(string[] args, string step)
    {
        using var process = Process.Start(StartInfo(args, step))!;
        _ = process.StandardOutput.ReadToEndAsync();
        var seen = new StringBuilder();
        try
        {
            using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(2));
            while (await process.StandardError.ReadLineAsync(timeout.Token) is { } line)
            {
                seen.AppendLine(line);
                if (line.StartsWith(CliTestHooks.PausedMarker, StringComparison.Ordinal))
                {
                    process.Kill();
                    await process.WaitForExitAsync();
                    return;
                }
            }

            Assert.Fail($"esp-ota {string.Join(' ', args)} never paused at {step}: {seen}");
        }
        finally
        {
            if (!process.HasExited)
            {
                process.Kill();
                await process.WaitForExitAsync();
            }
        }
    }
}
