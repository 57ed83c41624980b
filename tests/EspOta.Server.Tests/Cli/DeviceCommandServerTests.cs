using System.Text.Json;
using EspOta.Cli;
using EspOta.Cli.Commands;
using EspOta.Flash;
using EspOta.Http;
using EspOta.Simulation;
using EspOta.Images;
using EspOta.Server.Tests.Http;

namespace EspOta.Server.Tests.Cli;

public sealed class DeviceCommandServerTests
{
    [Fact]
    public async Task Run_ServerUrlWithPathPrefix_KeepsThePrefix()
    {
        await using var server = await HostileServer.StartAsync(null, pathBase: "/ota");
        string folder = Path.Combine(Path.GetTempPath(), "esp-ota-cli-prefix", Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(folder);
        try
        {
            string factory = Path.Combine(folder, "v1.bin");
            File.WriteAllBytes(factory, TestFirmware.Build("cli-app", "1.0.0"));
            string flash = Path.Combine(folder, "dev.bin");
            Assert.Equal(ExitCodes.Ok, CliRunner.Run(["device", "create", "--flash", flash, "--factory", factory, "--slot-size", "0x40000"], new StringWriter(), new StringWriter()));
            string prefixed = server.BaseAddress.AbsoluteUri.TrimEnd('/'); // http://127.0.0.1:port/ota
            var output = new StringWriter();

            int exit = await Task.Run(() => CliRunner.Run(["device", "run", "--flash", flash, "--server", prefixed, "--json"], output, new StringWriter()));

            using var json = JsonDocument.Parse(output.ToString());
            Assert.Equal(("UpToDate", ExitCodes.Ok), (json.RootElement.GetProperty("outcome").GetString(), exit));
            Assert.Contains("/ota/api/updates/check", server.Requests);
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    [Theory]
    [InlineData("http://h/ota", "http://h/ota/api/firmware")]
    [InlineData("http://h/ota/", "http://h/ota/api/firmware")]
    [InlineData("http://h", "http://h/api/firmware")]
    public void Create_ServerUrl_RelativePathsResolveUnderIt(string server, string expected)
    {
        using var client = ServerHttpClient.Create(new Uri(server));

        Assert.Equal(expected, new Uri(client.BaseAddress!, "api/firmware").AbsoluteUri);
    }

    [Fact]
    public async Task FleetRunner_OneDeviceThrows_OthersFinishAndItIsFailed()
    {
        await using var server = await OtaTestServer.StartAsync();
        (await server.UploadAsync(TestFirmware.Build("fleet-app", "2.0.0"))).Dispose();
        var flashImage = SimulatedDeviceFlash.Build(TestFirmware.Build("fleet-app", "1.0.0"), 0x40000);
        var client = new HttpOtaClient(server.Device);

        // Device 1 cannot even be created (an empty id): its failure must stay its own.
        var results = await FleetRunner.RunAsync(
            3,
            3,
            i => new SimulatedDevice(i == 1 ? "" : $"fleet-{i}", Chip.Esp32, MemoryFlash.FromImage(flashImage), client),
            CancellationToken.None);

        Assert.Equal([DeviceCycleOutcome.Updated, DeviceCycleOutcome.Failed, DeviceCycleOutcome.Updated], results.Select(r => r.Outcome));
        Assert.IsType<ArgumentException>(results[1].Error);
    }
}
