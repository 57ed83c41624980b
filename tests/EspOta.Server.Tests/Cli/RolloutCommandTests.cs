using System.Net.Http.Json;
using System.Text.Json;
using EspOta.Cli;
using EspOta.Http;
using EspOta.Server.Firmware;

namespace EspOta.Server.Tests.Cli;

/// <summary><c>esp-ota rollout …</c> and <c>esp-ota device list|show</c> in-process against the real server.</summary>
public sealed class RolloutCommandTests
{
    private static (int Exit, string Out, string Err) Run(OtaTestServer server, params string[] args)
    {
        var output = new StringWriter();
        var error = new StringWriter();
        int exit = CliRunner.Run([.. args, "--server", server.BaseAddress.ToString(), "--api-key", OtaTestServer.ApiKey], output, error);
        return (exit, output.ToString(), error.ToString());
    }

    [Fact]
    public async Task Rollout_CreateListShowPauseResumeCancel_WithSnakeCaseJson()
    {
        await using var server = await OtaTestServer.StartAsync();
        using var upload = await server.UploadAsync(TestFirmware.Build("cli-app", "2.0.0"));
        var info = (await upload.Content.ReadFromJsonAsync<FirmwareInfo>())!;
        for (int i = 0; i < 3; i++)
        {
            using var check = await server.CheckAsync(new UpdateCheckRequest($"cli-{i}", "esp32", "cli-app", "1.0.0", 0));
        }

        var created = await Task.Run(() => Run(server, "rollout", "create", "--firmware", info.Sha256, "--stages", "#1,100", "--soak", "0", "--id", "cli-r", "--json"));
        var list = await Task.Run(() => Run(server, "rollout", "list", "--json"));
        var show = await Task.Run(() => Run(server, "rollout", "show", "cli-r"));
        var pause = await Task.Run(() => Run(server, "rollout", "pause", "cli-r", "--json"));
        var pauseAgain = await Task.Run(() => Run(server, "rollout", "pause", "cli-r"));
        var resume = await Task.Run(() => Run(server, "rollout", "resume", "cli-r", "--json"));
        var rollback = await Task.Run(() => Run(server, "rollout", "rollback", "cli-r", "--json"));
        var cancel = await Task.Run(() => Run(server, "rollout", "cancel", "cli-r", "--json"));
        var missing = await Task.Run(() => Run(server, "rollout", "show", "nope"));
        var badStages = await Task.Run(() => Run(server, "rollout", "create", "--firmware", info.Sha256, "--stages", "50,10"));

        Assert.Equal(ExitCodes.Ok, created.Exit);
        using (var json = JsonDocument.Parse(created.Out))
        {
            Assert.Equal("running", json.RootElement.GetProperty("state").GetString());
            Assert.Equal(0, json.RootElement.GetProperty("current_stage").GetInt32());
            Assert.Equal(1, json.RootElement.GetProperty("progress")[0].GetProperty("size").GetInt32());
            Assert.Equal(2, json.RootElement.GetProperty("progress")[1].GetProperty("size").GetInt32());
        }

        Assert.Equal("cli-r", JsonDocument.Parse(list.Out).RootElement[0].GetProperty("id").GetString());
        Assert.Equal(ExitCodes.Ok, show.Exit);
        Assert.Contains("cli-r", show.Out, StringComparison.Ordinal);
        Assert.Equal("paused", JsonDocument.Parse(pause.Out).RootElement.GetProperty("state").GetString());
        Assert.Equal(ExitCodes.Failure, pauseAgain.Exit);
        Assert.Contains("409", pauseAgain.Err, StringComparison.Ordinal);
        Assert.Equal("running", JsonDocument.Parse(resume.Out).RootElement.GetProperty("state").GetString());
        Assert.Equal("rolling_back", JsonDocument.Parse(rollback.Out).RootElement.GetProperty("state").GetString());
        Assert.Equal("cancelled", JsonDocument.Parse(cancel.Out).RootElement.GetProperty("state").GetString());
        Assert.Equal(ExitCodes.Failure, missing.Exit);
        Assert.Equal(ExitCodes.Usage, badStages.Exit);
    }

    [Fact]
    public async Task Device_ListPaged_AndShowWithDecision()
    {
        await using var server = await OtaTestServer.StartAsync();
        for (int i = 0; i < 5; i++)
        {
            using var check = await server.CheckAsync(new UpdateCheckRequest($"dev-{i}", "esp32", "cli-app", "1.0.0", 0));
        }

        var page = await Task.Run(() => Run(server, "device", "list", "--limit", "2", "--json"));
        var rest = await Task.Run(() => Run(server, "device", "list", "--limit", "2", "--after", "dev-1", "--all", "--json"));
        var table = await Task.Run(() => Run(server, "device", "list"));
        var show = await Task.Run(() => Run(server, "device", "show", "dev-3", "--json"));
        var missing = await Task.Run(() => Run(server, "device", "show", "nope"));

        using var first = JsonDocument.Parse(page.Out);
        Assert.Equal(["dev-0", "dev-1"], first.RootElement.GetProperty("devices").EnumerateArray().Select(d => d.GetProperty("id").GetString()));
        Assert.Equal("dev-1", first.RootElement.GetProperty("next_after").GetString());
        Assert.Equal(["dev-2", "dev-3", "dev-4"], JsonDocument.Parse(rest.Out).RootElement.GetProperty("devices").EnumerateArray().Select(d => d.GetProperty("id").GetString()));
        Assert.Contains("dev-4", table.Out, StringComparison.Ordinal);
        using var device = JsonDocument.Parse(show.Out);
        Assert.Equal("1.0.0", device.RootElement.GetProperty("device").GetProperty("version").GetString());
        Assert.Equal("latest", device.RootElement.GetProperty("decision").GetProperty("rule").GetString());
        Assert.NotEmpty(device.RootElement.GetProperty("decision").GetProperty("reasons").EnumerateArray());
        Assert.Equal(ExitCodes.Failure, missing.Exit);
    }
}
