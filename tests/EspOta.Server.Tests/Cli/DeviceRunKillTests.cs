using System.Diagnostics;
using System.Text.Json;
using EspOta.Cli;
using EspOta.Tests.Shared;
using Xunit.Abstractions;

namespace EspOta.Server.Tests.Cli;

/// <summary>
/// Issue 16, item 1, for <c>device run</c>: it writes the flash file in place, as a chip does, so a
/// kill -9 there is a power cut. A real process is killed at seeded random moments, again and again on
/// the same file; after every kill <c>flash boot</c> boots a valid app, and a run to the end installs v2.
/// </summary>
public sealed class DeviceRunKillTests(ITestOutputHelper output)
{
    [Fact]
    public async Task DeviceRun_KilledAtRandomMoments_AlwaysBootsAndFinallyUpdates()
    {
        const int seed = 1607;
        await using var server = await OtaTestServer.StartAsync();
        (await server.UploadAsync(TestFirmware.Build("kill-app", "2.0.0", payload: 200_000))).Dispose();
        string folder = Directory.CreateDirectory(Path.Combine(server.DataDirectory, "device")).FullName;
        string factory = Path.Combine(folder, "v1.bin");
        File.WriteAllBytes(factory, TestFirmware.Build("kill-app", "1.0.0"));
        string flash = Path.Combine(folder, "dev-kill.bin");
        Assert.Equal(ExitCodes.Ok, CliRunner.Run(["device", "create", "--flash", flash, "--factory", factory, "--slot-size", "0x40000"], new StringWriter(), new StringWriter()));
        var random = new Random(seed);
        var log = new List<string>();

        for (int run = 0; run < 8; run++)
        {
            int delay = random.Next(100, 3000);
            bool killed = await CliRunner.RunAndKillAfterAsync(["device", "run", "--flash", flash, "--server", server.BaseAddress.ToString(), "--json"], TimeSpan.FromMilliseconds(delay));
            string booted = BootedVersion(flash);
            log.Add($"run {run} (seed {seed}): kill after {delay} ms, killed {killed}, boots {booted}");
            Assert.True(booted is "1.0.0" or "2.0.0", string.Join("\n", log));
        }

        output.WriteLine(string.Join("\n", log));
        for (int run = 0; run < 3 && BootedVersion(flash) != "2.0.0"; run++)
        {
            var stdout = new StringWriter();
            int code = await Task.Run(() => CliRunner.Run(["device", "run", "--flash", flash, "--server", server.BaseAddress.ToString(), "--json"], stdout, new StringWriter()));
            Assert.Equal(ExitCodes.Ok, code);
        }

        Assert.Equal("2.0.0", BootedVersion(flash));
    }

    private static string BootedVersion(string flash)
    {
        var stdout = new StringWriter();
        var stderr = new StringWriter();
        int code = CliRunner.Run(["flash", "boot", flash, "--json"], stdout, stderr);
        Assert.True(code == ExitCodes.Ok, $"flash boot: exit {code}: {stderr}");
        using var json = JsonDocument.Parse(stdout.ToString());
        return json.RootElement.GetProperty("boot").GetProperty("version").GetString() ?? "";
    }
}
