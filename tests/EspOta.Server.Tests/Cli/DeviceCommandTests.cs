using System.Text.Json;
using EspOta.Cli;

namespace EspOta.Server.Tests.Cli;

public sealed class DeviceCommandTests
{
    // `esp-ota device create` with a v1.0.0 factory app in the server's data folder; returns the flash file and the exit code.
    private static (string Flash, int ExitCode) CreateDevice(OtaTestServer server, string name)
    {
        string folder = Path.Combine(server.DataDirectory, "device");
        Directory.CreateDirectory(folder);
        string factory = Path.Combine(folder, "v1.bin");
        File.WriteAllBytes(factory, TestFirmware.Build("cli-app", "1.0.0"));
        string flash = Path.Combine(folder, name + ".bin");
        int exit = CliRunner.Run(["device", "create", "--flash", flash, "--factory", factory, "--slot-size", "0x40000"], new StringWriter(), new StringWriter());
        return (flash, exit);
    }

    [Fact]
    public async Task CreateThenRun_ServerHasV2_DeviceUpdatesAndFlashFileKeepsIt()
    {
        await using var server = await OtaTestServer.StartAsync();
        (await server.UploadAsync(TestFirmware.Build("cli-app", "2.0.0"))).Dispose();
        var (flash, created) = CreateDevice(server, "dev-7");
        var first = new StringWriter();
        int run = await Task.Run(() => CliRunner.Run(["device", "run", "--flash", flash, "--server", server.BaseAddress.ToString(), "--json"], first, new StringWriter()));
        var second = new StringWriter();
        int again = await Task.Run(() => CliRunner.Run(["device", "run", "--flash", flash, "--server", server.BaseAddress.ToString(), "--json"], second, new StringWriter()));

        Assert.Equal((ExitCodes.Ok, ExitCodes.Ok, ExitCodes.Ok), (created, run, again));
        using var firstJson = JsonDocument.Parse(first.ToString());
        using var secondJson = JsonDocument.Parse(second.ToString());
        Assert.Equal("Updated", firstJson.RootElement.GetProperty("outcome").GetString());
        Assert.Equal("dev-7", firstJson.RootElement.GetProperty("device").GetString());
        Assert.Equal(("UpToDate", "2.0.0"), (secondJson.RootElement.GetProperty("outcome").GetString(), secondJson.RootElement.GetProperty("running_version").GetString()));
    }

    [Fact]
    public async Task Run_FlashTime_ReportsTheModelledChipTimeOfTheUpdate()
    {
        await using var server = await OtaTestServer.StartAsync();
        byte[] v2 = TestFirmware.Build("cli-app", "2.0.0");
        (await server.UploadAsync(v2)).Dispose();
        var (flash, created) = CreateDevice(server, "timed");
        Assert.Equal(ExitCodes.Ok, created);
        var output = new StringWriter();

        int exit = await Task.Run(() => CliRunner.Run(["device", "run", "--flash", flash, "--server", server.BaseAddress.ToString(), "--flash-time", "--json"], output, new StringWriter()));

        Assert.Equal(ExitCodes.Ok, exit);
        using var json = JsonDocument.Parse(output.ToString());
        var time = json.RootElement.GetProperty("flash_time");
        double erase = time.GetProperty("erase_seconds_typical").GetDouble();
        double program = time.GetProperty("program_seconds_typical").GetDouble();
        double total = time.GetProperty("total_seconds_typical").GetDouble();
        // At least the image's sectors (45 ms typical each, W25Q32JV), at most the whole 0x40000 slot sector by sector
        // plus a few otadata sectors.
        Assert.InRange(erase, 0.045, (64 + 8) * 0.045);
        // Programming the image: at least one 0.4 ms page program per 256 bytes written.
        Assert.True(program >= v2.Length / 256 * 0.0004 * 0.9, $"program {program} s for {v2.Length} bytes");
        Assert.Equal(erase + program + time.GetProperty("read_seconds_typical").GetDouble(), total, 9);
        Assert.True(time.GetProperty("total_seconds_max").GetDouble() > total);
        var steps = json.RootElement.GetProperty("timeline").EnumerateArray().Select(s => s.GetProperty("flash_seconds_typical").GetDouble()).ToArray();
        Assert.Equal(steps.Order(), steps);
        Assert.True(steps[^1] <= total);

        // Without the option nothing is modelled.
        var plain = new StringWriter();
        await Task.Run(() => CliRunner.Run(["device", "run", "--flash", flash, "--server", server.BaseAddress.ToString(), "--json"], plain, new StringWriter()));
        using var plainJson = JsonDocument.Parse(plain.ToString());
        Assert.Equal(JsonValueKind.Null, plainJson.RootElement.GetProperty("flash_time").ValueKind);
    }

    [Fact]
    public async Task Run_SelfTestFail_RollsBackAndExitsOk()
    {
        await using var server = await OtaTestServer.StartAsync();
        (await server.UploadAsync(TestFirmware.Build("cli-app", "2.0.0"))).Dispose();
        var (flash, created) = CreateDevice(server, "dev");
        Assert.Equal(ExitCodes.Ok, created);
        var output = new StringWriter();

        int exit = await Task.Run(() => CliRunner.Run(["device", "run", "--flash", flash, "--server", server.BaseAddress.ToString(), "--self-test", "fail", "--json"], output, new StringWriter()));

        using var json = JsonDocument.Parse(output.ToString());
        Assert.Equal(ExitCodes.Ok, exit);
        Assert.Equal(("RolledBack", "1.0.0"), (json.RootElement.GetProperty("outcome").GetString(), json.RootElement.GetProperty("running_version").GetString()));
    }

    [Fact]
    public async Task Run_SecureBootKeyDigest_UnsignedFactoryAppDoesNotBootAndExitsFailure()
    {
        await using var server = await OtaTestServer.StartAsync();
        var (flash, created) = CreateDevice(server, "sb-dev");
        Assert.Equal(ExitCodes.Ok, created);
        var output = new StringWriter();
        string digest = EspOta.Tests.Vectors.PathOf("secure-boot", "keys", "rsa3072_a.digest.bin");

        int exit = await Task.Run(() => CliRunner.Run(["device", "run", "--flash", flash, "--server", server.BaseAddress.ToString(), "--secure-boot-key-digest", digest, "--json"], output, new StringWriter()));
        int plain = await Task.Run(() => CliRunner.Run(["device", "run", "--flash", flash, "--server", server.BaseAddress.ToString(), "--json"], new StringWriter(), new StringWriter()));

        using var json = JsonDocument.Parse(output.ToString());
        Assert.Equal((ExitCodes.Failure, ExitCodes.Ok), (exit, plain));
        Assert.Equal("Failed", json.RootElement.GetProperty("outcome").GetString());
    }

    [Fact]
    public async Task Run_EncryptedProject_NeedsTheDeviceKeyThenUpdates()
    {
        await using var server = await OtaTestServer.StartAsync();
        await Encryption.EncryptedProjectTests.SetKeyAsync(server.Admin, "cli-app", Encryption.EncryptedProjectTests.EcdhPublicPem);
        (await server.UploadAsync(TestFirmware.Build("cli-app", "2.0.0"))).Dispose();
        var (flash, created) = CreateDevice(server, "crypt-dev");
        Assert.Equal(ExitCodes.Ok, created);
        string hmac = Encryption.EncryptedProjectTests.KeyPath("ecc_a", "device_hmac_key.bin");
        var without = new StringWriter();
        var with = new StringWriter();

        int refused = await Task.Run(() => CliRunner.Run(["device", "run", "--flash", flash, "--server", server.BaseAddress.ToString(), "--json"], without, new StringWriter()));
        int updated = await Task.Run(() => CliRunner.Run(["device", "run", "--flash", flash, "--server", server.BaseAddress.ToString(), "--hmac-key", hmac, "--json"], with, new StringWriter()));

        Assert.Equal((ExitCodes.Failure, ExitCodes.Ok), (refused, updated));
        using var withoutJson = JsonDocument.Parse(without.ToString());
        using var withJson = JsonDocument.Parse(with.ToString());
        Assert.Equal(("Refused", "1.0.0"), (withoutJson.RootElement.GetProperty("outcome").GetString(), withoutJson.RootElement.GetProperty("running_version").GetString()));
        Assert.Equal(("Updated", "2.0.0"), (withJson.RootElement.GetProperty("outcome").GetString(), withJson.RootElement.GetProperty("running_version").GetString()));
    }

    [Fact]
    public async Task CreateWithEfuses_RunRevokesKey0OnConfirm_TheEfuseFileKeepsIt_AndAKey0OnlyImageIsRefused()
    {
        await using var server = await OtaTestServer.StartAsync();
        string folder = Path.Combine(server.DataDirectory, "device");
        Directory.CreateDirectory(folder);
        string Key(string file) => EspOta.Tests.Vectors.PathOf("secure-boot", "keys", file);
        string factory = Path.Combine(folder, "v1.bin"), bootloader = Path.Combine(folder, "bl.bin"), flash = Path.Combine(folder, "sb.bin");
        File.WriteAllBytes(factory, Signing.SigningEndpointsTests.Signed(TestFirmware.Build("cli-sb", "1.0.0", chip: Images.Chip.Esp32C3), "rsa3072_a"));
        File.WriteAllBytes(bootloader, Signing.SigningEndpointsTests.Signed(File.ReadAllBytes(EspOta.Tests.Vectors.PathOf("images", "bootloader_esp32c3.bin")), "rsa3072_a", "rsa3072_b"));
        Assert.Equal(ExitCodes.Ok, CliRunner.Run(
            ["device", "create", "--flash", flash, "--factory", factory, "--bootloader", bootloader, "--slot-size", "0x40000",
             "--secure-boot", "--secure-boot-key", Key("rsa3072_a.pub.pem"), "--secure-boot-key", Key("rsa3072_b.pub.pem")],
            new StringWriter(), new StringWriter()));
        (await server.UploadAsync(Signing.SigningEndpointsTests.Signed(TestFirmware.Build("cli-sb", "2.0.0", chip: Images.Chip.Esp32C3), "rsa3072_b"))).Dispose();
        // No --chip: the eFuse file names the chip.
        string[] run = ["device", "run", "--flash", flash, "--server", server.BaseAddress.ToString(), "--json"];

        var first = new StringWriter();
        int updated = await Task.Run(() => CliRunner.Run([.. run, "--revoke-key-on-confirm", "0"], first, new StringWriter()));

        using (var json = JsonDocument.Parse(first.ToString()))
        {
            Assert.Equal(ExitCodes.Ok, updated);
            Assert.Equal(("Updated", "2.0.0"), (json.RootElement.GetProperty("outcome").GetString(), json.RootElement.GetProperty("running_version").GetString()));
            Assert.Contains(json.RootElement.GetProperty("timeline").EnumerateArray(), s => s.GetProperty("detail").GetString()?.Contains("KEY_REVOKE0 burnt", StringComparison.Ordinal) == true);
        }

        using (var efuses = JsonDocument.Parse(File.ReadAllText(flash + ".efuse.json")))
        {
            Assert.Equal([true, false, false], efuses.RootElement.GetProperty("secure_boot").GetProperty("revoked").EnumerateArray().Select(r => r.GetBoolean()));
        }

        // The burnt eFuses are the device's: options describing others are refused.
        var refusedOptions = new StringWriter();
        Assert.Equal(ExitCodes.Usage, CliRunner.Run([.. run, "--secure-boot-key", Key("rsa3072_c.pub.pem")], new StringWriter(), refusedOptions));
        Assert.Contains(".efuse.json", refusedOptions.ToString(), StringComparison.Ordinal);

        // A later image signed by the revoked key only: the device (a fresh process, eFuses from the file) refuses it.
        (await server.UploadAsync(Signing.SigningEndpointsTests.Signed(TestFirmware.Build("cli-sb", "3.0.0", chip: Images.Chip.Esp32C3), "rsa3072_a"))).Dispose();
        var second = new StringWriter();
        int refused = await Task.Run(() => CliRunner.Run(run, second, new StringWriter()));
        using var again = JsonDocument.Parse(second.ToString());
        Assert.Equal(ExitCodes.Failure, refused);
        Assert.Equal(("Failed", "2.0.0"), (again.RootElement.GetProperty("outcome").GetString(), again.RootElement.GetProperty("running_version").GetString()));
    }

    [Fact]
    public async Task Fleet_TwentyDevices_AllUpdated()
    {
        await using var server = await OtaTestServer.StartAsync();
        (await server.UploadAsync(TestFirmware.Build("cli-app", "2.0.0", payload: 50_000))).Dispose();
        string factory = Path.Combine(server.DataDirectory, "v1.bin");
        File.WriteAllBytes(factory, TestFirmware.Build("cli-app", "1.0.0"));
        var output = new StringWriter();

        int exit = await Task.Run(() => CliRunner.Run(
            ["device", "fleet", "--count", "20", "--concurrency", "8", "--factory", factory, "--server", server.BaseAddress.ToString(), "--slot-size", "0x40000", "--json"],
            output,
            new StringWriter()));

        using var json = JsonDocument.Parse(output.ToString());
        Assert.Equal(ExitCodes.Ok, exit);
        Assert.Equal(20, json.RootElement.GetProperty("outcomes").GetProperty("Updated").GetInt32());
    }

    [Fact]
    public void Run_MissingFlash_ExitsWithUsage()
    {
        int exit = CliRunner.Run(["device", "run", "--flash", "/nonexistent/dev.bin", "--server", "http://127.0.0.1:1"], new StringWriter(), new StringWriter());

        Assert.Equal(ExitCodes.Usage, exit);
    }

    [Fact]
    public void Demo_Json_PassesEveryCheck()
    {
        var output = new StringWriter();

        int exit = CliRunner.Run(["demo", "--json"], output, new StringWriter());

        using var json = JsonDocument.Parse(output.ToString());
        Assert.Equal(ExitCodes.Ok, exit);
        Assert.True(json.RootElement.GetProperty("ok").GetBoolean());
        Assert.All(json.RootElement.GetProperty("checks").EnumerateArray(), c => Assert.True(c.GetProperty("ok").GetBoolean(), c.GetProperty("what").GetString()));
        var names = json.RootElement.GetProperty("checks").EnumerateArray().Select(c => c.GetProperty("what").GetString()!).ToList();
        Assert.Contains(names, n => n.StartsWith("encrypted download cut halfway", StringComparison.Ordinal));
        Assert.Contains(names, n => n.StartsWith("a device with another key refuses encrypted v2", StringComparison.Ordinal));
    }

    [Fact]
    public void Demo_SecureBoot_RotatesKeysAndTheDeviceRefusesTheUnsignedV4()
    {
        var output = new StringWriter();

        int exit = CliRunner.Run(["demo", "--secure-boot", "--json"], output, new StringWriter());

        using var json = JsonDocument.Parse(output.ToString());
        Assert.Equal(ExitCodes.Ok, exit);
        Assert.True(json.RootElement.GetProperty("ok").GetBoolean());
        var checks = json.RootElement.GetProperty("checks").EnumerateArray().ToList();
        Assert.All(checks, c => Assert.True(c.GetProperty("ok").GetBoolean(), c.GetProperty("what").GetString()));
        Assert.Contains(checks, c => c.GetProperty("what").GetString()!.StartsWith("v4 refused by the device", StringComparison.Ordinal));
        var kinds = json.RootElement.GetProperty("timeline").EnumerateArray().Select(s => s.GetProperty("kind").GetString()).ToList();
        Assert.Equal("Failed", kinds[^1]);
    }
}
