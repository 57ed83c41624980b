using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using EspOta.Http;
using EspOta.Server.Firmware;
using EspOta.Server.Rollouts;
using EspOta.Server.Tests.Firmware;

namespace EspOta.Server.Tests.Rollouts;

/// <summary>Every rollout endpoint on the real server (Kestrel on 127.0.0.1), refusals as ProblemDetails.</summary>
public sealed class RolloutEndpointsTests
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    private sealed record Setup(OtaTestServer Server, FirmwareInfo V1, FirmwareInfo V2, string[] Devices);

    private static async Task<Setup> StartAsync(int devices = 10)
    {
        var server = await OtaTestServer.StartAsync(o => o.RolloutEvaluationInterval = TimeSpan.FromMilliseconds(100));
        var v1 = await UploadAsync(server, "1.0.0");
        var v2 = await UploadAsync(server, "2.0.0");
        var ids = Enumerable.Range(0, devices).Select(i => $"dev-{i:D2}").ToArray();
        foreach (var id in ids)
        {
            using var response = await CheckAsync(server, id, "1.0.0");
        }

        return new Setup(server, v1, v2, ids);
    }

    private static async Task<FirmwareInfo> UploadAsync(OtaTestServer server, string version)
    {
        using var response = await server.UploadAsync(TestFirmware.Build("fleet-app", version));
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        return (await response.Content.ReadFromJsonAsync<FirmwareInfo>())!;
    }

    private static Task<HttpResponseMessage> CheckAsync(OtaTestServer server, string id, string version) =>
        server.CheckAsync(new UpdateCheckRequest(id, "esp32", "fleet-app", version, 0));

    private static async Task<RolloutView> CreateAsync(OtaTestServer server, object body)
    {
        using var response = await server.Admin.PostAsJsonAsync("/api/rollouts", body);
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        return (await response.Content.ReadFromJsonAsync<RolloutView>(Json))!;
    }

    private static async Task ReportAsync(OtaTestServer server, string id, DeviceReportKind kind, FirmwareInfo firmware, string? reason = null)
    {
        using var response = await server.Device.PostAsJsonAsync($"/api/devices/{id}/reports", new DeviceReport(kind, firmware.Version, firmware.Sha256, reason, "esp32", "fleet-app"));
        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
    }

    private static async Task<string[]> OfferedAsync(Setup s, string version = "1.0.0")
    {
        var offered = new List<string>();
        foreach (var id in s.Devices)
        {
            using var response = await CheckAsync(s.Server, id, version);
            if (response.StatusCode == HttpStatusCode.OK)
            {
                offered.Add(id);
            }
            else
            {
                Assert.Equal(HttpStatusCode.NoContent, response.StatusCode);
            }
        }

        return offered.ToArray();
    }

    [Fact]
    public async Task Create_List_Show()
    {
        var s = await StartAsync();
        await using var server = s.Server;

        var created = await CreateAsync(server, new { firmware = s.V2.Sha256, id = "r-1", stages = new object[] { new { count = 2 }, new { percent = 100 } } });
        var list = await server.Admin.GetFromJsonAsync<RolloutView[]>("/api/rollouts", Json);
        var shown = await server.Admin.GetFromJsonAsync<RolloutView>("/api/rollouts/r-1", Json);
        string raw = await server.Admin.GetStringAsync("/api/rollouts/r-1");

        Assert.Equal("r-1", created.Id);
        Assert.Equal(RolloutState.Running, created.State);
        Assert.Equal([2, 8], created.Progress.Select(p => p.Size));
        Assert.Equal("r-1", Assert.Single(list!).Id);
        Assert.Equal("2.0.0", shown!.Firmware.Version);
        Assert.Contains("\"current_stage\":0", raw, StringComparison.Ordinal);
        Assert.Contains("\"state\":\"running\"", raw, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Create_Refusals_AreProblems()
    {
        var s = await StartAsync(devices: 1);
        await using var server = s.Server;
        await CreateAsync(server, new { firmware = s.V2.Sha256, id = "taken" });

        using var shrinking = await server.Admin.PostAsJsonAsync("/api/rollouts", new { firmware = s.V2.Sha256, stages = new object[] { new { percent = 50 }, new { percent = 10 } } });
        using var badGate = await server.Admin.PostAsJsonAsync("/api/rollouts", new { firmware = s.V2.Sha256, gate = new { halt_failure_percent = 150 } });
        using var unknown = await server.Admin.PostAsJsonAsync("/api/rollouts", new { firmware = new string('e', 64) });
        using var badSha = await server.Admin.PostAsJsonAsync("/api/rollouts", new { firmware = "xyz" });
        using var duplicate = await server.Admin.PostAsJsonAsync("/api/rollouts", new { firmware = s.V2.Sha256, id = "taken" });
        using var malformed = await server.Admin.PostAsync("/api/rollouts", new StringContent("{\"stages\":[]}", System.Text.Encoding.UTF8, "application/json"));
        using var noKey = await server.Device.PostAsJsonAsync("/api/rollouts", new { firmware = s.V2.Sha256 });
        using var noKeyList = await server.Device.GetAsync("/api/rollouts");

        await FirmwareEndpointsTests.AssertProblemAsync(shrinking, HttpStatusCode.BadRequest, ProblemTypes.InvalidRollout);
        await FirmwareEndpointsTests.AssertProblemAsync(badGate, HttpStatusCode.BadRequest, ProblemTypes.InvalidRollout);
        await FirmwareEndpointsTests.AssertProblemAsync(unknown, HttpStatusCode.NotFound, ProblemTypes.NotFound);
        await FirmwareEndpointsTests.AssertProblemAsync(badSha, HttpStatusCode.BadRequest, ProblemTypes.BadId);
        await FirmwareEndpointsTests.AssertProblemAsync(duplicate, HttpStatusCode.Conflict, ProblemTypes.DuplicateRollout);
        await FirmwareEndpointsTests.AssertProblemAsync(malformed, HttpStatusCode.BadRequest, ProblemTypes.MalformedRequest);
        await FirmwareEndpointsTests.AssertProblemAsync(noKey, HttpStatusCode.Unauthorized, ProblemTypes.Unauthorized);
        await FirmwareEndpointsTests.AssertProblemAsync(noKeyList, HttpStatusCode.Unauthorized, ProblemTypes.Unauthorized);
    }

    [Fact]
    public async Task Show_And_Actions_UnknownOrBadId_AreProblems()
    {
        var s = await StartAsync(devices: 1);
        await using var server = s.Server;

        foreach (var path in new[] { "/api/rollouts/nope", "/api/rollouts/nope/pause", "/api/rollouts/nope/resume", "/api/rollouts/nope/cancel", "/api/rollouts/nope/rollback" })
        {
            using var response = path.EndsWith("nope", StringComparison.Ordinal) ? await server.Admin.GetAsync(path) : await server.Admin.PostAsync(path, null);
            await FirmwareEndpointsTests.AssertProblemAsync(response, HttpStatusCode.NotFound, ProblemTypes.NotFound);
        }

        using var bad = await server.Admin.GetAsync("/api/rollouts/..");
        using var noKey = await server.Device.PostAsync("/api/rollouts/nope/pause", null);
        await FirmwareEndpointsTests.AssertProblemAsync(noKey, HttpStatusCode.Unauthorized, ProblemTypes.Unauthorized);
        Assert.NotEqual(HttpStatusCode.OK, bad.StatusCode);
    }

    [Fact]
    public async Task UpdateCheck_FollowsTheStages_AndConfirmationsAdvanceThem()
    {
        var s = await StartAsync();
        await using var server = s.Server;
        await CreateAsync(server, new { firmware = s.V2.Sha256, id = "r", stages = new object[] { new { count = 2 }, new { percent = 100 } }, gate = new { advance_confirmed_percent = 100, soak_seconds = 0, halt_failure_percent = 20 } });

        var first = await OfferedAsync(s);
        Assert.Equal(2, first.Length);
        using (var decision = await server.Admin.GetAsync($"/api/devices/{s.Devices.Except(first).First()}/decision"))
        {
            var d = await decision.Content.ReadFromJsonAsync<UpdateDecision>(Json);
            Assert.Null(d!.Offer);
            Assert.Equal(DecisionRule.Stay, d.Rule);
            Assert.Contains(d.Reasons, r => r.Contains("stage 2", StringComparison.Ordinal));
        }

        var why = await server.Admin.GetFromJsonAsync<UpdateDecision>($"/api/devices/{first[0]}/decision", Json);
        Assert.Equal(DecisionRule.Rollout, why!.Rule);
        Assert.Equal("2.0.0", why.Offer!.Version);

        foreach (var id in first)
        {
            await ReportAsync(server, id, DeviceReportKind.Downloading, s.V2);
            await ReportAsync(server, id, DeviceReportKind.Confirmed, s.V2);
        }

        var view = await server.Admin.GetFromJsonAsync<RolloutView>("/api/rollouts/r", Json);
        Assert.Equal(1, view!.CurrentStage);
        Assert.Equal(2, view.Progress[0].Confirmed);
        var second = await OfferedAsync(s with { Devices = s.Devices.Except(first).ToArray() });
        Assert.Equal(8, second.Length);
    }

    [Fact]
    public async Task RolledBackDevices_HaltTheRollout_WithItsReason()
    {
        var s = await StartAsync();
        await using var server = s.Server;
        await CreateAsync(server, new { firmware = s.V2.Sha256, id = "bad", stages = new object[] { new { count = 3 }, new { percent = 100 } }, gate = new { advance_confirmed_percent = 90, soak_seconds = 0, halt_failure_percent = 40 } });
        var first = await OfferedAsync(s);

        await ReportAsync(server, first[0], DeviceReportKind.RolledBack, s.V2, "self-test failed");
        var stillRunning = await server.Admin.GetFromJsonAsync<RolloutView>("/api/rollouts/bad", Json);
        await ReportAsync(server, first[1], DeviceReportKind.RolledBack, s.V2, "self-test failed");
        var halted = await server.Admin.GetFromJsonAsync<RolloutView>("/api/rollouts/bad", Json);
        var decision = await server.Admin.GetFromJsonAsync<UpdateDecision>($"/api/devices/{first[2]}/decision", Json);

        Assert.Equal(3, first.Length);
        Assert.Equal(RolloutState.Running, stillRunning!.State);
        Assert.Equal(RolloutState.Halted, halted!.State);
        Assert.Contains("2 of 3", halted.HaltReason);
        Assert.Contains("self-test failed", halted.HaltReason);
        Assert.Empty(await OfferedAsync(s));
        Assert.Null(decision!.Offer);
        Assert.Contains(decision.Reasons, r => r.Contains("halted", StringComparison.Ordinal));
    }

    [Fact]
    public async Task PauseResumeCancel_AndRefusedTransitions()
    {
        var s = await StartAsync(devices: 4);
        await using var server = s.Server;
        await CreateAsync(server, new { firmware = s.V2.Sha256, id = "r", stages = new object[] { new { percent = 100 } } });

        using var pause = await server.Admin.PostAsync("/api/rollouts/r/pause", null);
        var paused = await pause.Content.ReadFromJsonAsync<RolloutView>(Json);
        var offeredWhilePaused = await OfferedAsync(s);
        using var pauseAgain = await server.Admin.PostAsync("/api/rollouts/r/pause", null);
        using var resume = await server.Admin.PostAsync("/api/rollouts/r/resume", null);
        var offeredAfterResume = await OfferedAsync(s);
        using var cancel = await server.Admin.PostAsync("/api/rollouts/r/cancel", null);
        using var resumeCancelled = await server.Admin.PostAsync("/api/rollouts/r/resume", null);
        var offeredAfterCancel = await OfferedAsync(s);

        Assert.Equal(RolloutState.Paused, paused!.State);
        Assert.Empty(offeredWhilePaused);
        await FirmwareEndpointsTests.AssertProblemAsync(pauseAgain, HttpStatusCode.Conflict, ProblemTypes.RolloutConflict);
        Assert.Equal(HttpStatusCode.OK, resume.StatusCode);
        Assert.Equal(4, offeredAfterResume.Length);
        Assert.Equal(HttpStatusCode.OK, cancel.StatusCode);
        await FirmwareEndpointsTests.AssertProblemAsync(resumeCancelled, HttpStatusCode.Conflict, ProblemTypes.RolloutConflict);
        Assert.Empty(offeredAfterCancel);
    }

    [Fact]
    public async Task RollbackAction_OffersThePreviousRelease_ToDevicesThatTookThisOne()
    {
        var s = await StartAsync(devices: 4);
        await using var server = s.Server;
        await CreateAsync(server, new { firmware = s.V2.Sha256, id = "r", stages = new object[] { new { percent = 100 } } });
        using (await CheckAsync(server, s.Devices[0], "1.0.0"))
        {
        }

        await ReportAsync(server, s.Devices[0], DeviceReportKind.Confirmed, s.V2);
        using var rollback = await server.Admin.PostAsync("/api/rollouts/r/rollback", null);
        using var back = await CheckAsync(server, s.Devices[0], "2.0.0");
        using var other = await CheckAsync(server, s.Devices[1], "1.0.0");
        using var again = await server.Admin.PostAsync("/api/rollouts/r/rollback", null);

        Assert.Equal(HttpStatusCode.OK, rollback.StatusCode);
        Assert.Equal(RolloutState.RollingBack, (await rollback.Content.ReadFromJsonAsync<RolloutView>(Json))!.State);
        Assert.Equal(HttpStatusCode.OK, back.StatusCode);
        Assert.Equal("1.0.0", (await back.Content.ReadFromJsonAsync<UpdateOffer>())!.Version);
        Assert.Equal(HttpStatusCode.NoContent, other.StatusCode);
        await FirmwareEndpointsTests.AssertProblemAsync(again, HttpStatusCode.Conflict, ProblemTypes.RolloutConflict);
    }

    [Fact]
    public async Task Labels_PinAndTarget()
    {
        var s = await StartAsync(devices: 4);
        await using var server = s.Server;
        using var lab = await server.Admin.PutAsJsonAsync($"/api/devices/{s.Devices[0]}/labels", new { group = "lab", tags = new[] { "beta" } });
        using var pin = await server.Admin.PutAsJsonAsync($"/api/devices/{s.Devices[1]}/labels", new { group = "lab", pinned_version = "1.0.0" });
        using var bad = await server.Admin.PutAsJsonAsync($"/api/devices/{s.Devices[2]}/labels", new { group = "no spaces" });
        using var noKey = await server.Device.PutAsJsonAsync($"/api/devices/{s.Devices[2]}/labels", new { group = "lab" });
        await CreateAsync(server, new { firmware = s.V2.Sha256, id = "lab", target = new { group = "lab" }, stages = new object[] { new { percent = 100 } } });

        var labels = await server.Admin.GetFromJsonAsync<DeviceLabels>($"/api/devices/{s.Devices[0]}/labels", Json);
        var offered = await OfferedAsync(s);
        var pinned = await server.Admin.GetFromJsonAsync<UpdateDecision>($"/api/devices/{s.Devices[1]}/decision", Json);
        using var unknown = await server.Admin.GetAsync("/api/devices/never-seen/decision");

        Assert.Equal(HttpStatusCode.OK, lab.StatusCode);
        Assert.Equal(HttpStatusCode.OK, pin.StatusCode);
        await FirmwareEndpointsTests.AssertProblemAsync(bad, HttpStatusCode.BadRequest, ProblemTypes.MalformedRequest);
        await FirmwareEndpointsTests.AssertProblemAsync(noKey, HttpStatusCode.Unauthorized, ProblemTypes.Unauthorized);
        await FirmwareEndpointsTests.AssertProblemAsync(unknown, HttpStatusCode.NotFound, ProblemTypes.NotFound);
        Assert.Equal(["beta"], labels!.Tags);
        Assert.Equal([s.Devices[0]], offered);
        Assert.Equal(DecisionRule.Pinned, pinned!.Rule);
        Assert.Contains("pinned to 1.0.0, which it runs", pinned.Reasons[0]);
    }

    [Fact]
    public async Task SoakTime_IsWaitedFor_ThenTheTickerAdvances()
    {
        var s = await StartAsync(devices: 2);
        await using var server = s.Server;
        await CreateAsync(server, new { firmware = s.V2.Sha256, id = "r", stages = new object[] { new { count = 1 }, new { percent = 100 } }, gate = new { advance_confirmed_percent = 100, soak_seconds = 1, halt_failure_percent = 20 } });
        var first = await OfferedAsync(s);
        await ReportAsync(server, first[0], DeviceReportKind.Confirmed, s.V2);
        var early = await server.Admin.GetFromJsonAsync<RolloutView>("/api/rollouts/r", Json);

        RolloutView? later = null;
        for (int i = 0; i < 50 && later?.CurrentStage != 1; i++)
        {
            await Task.Delay(100);
            later = await server.Admin.GetFromJsonAsync<RolloutView>("/api/rollouts/r", Json);
        }

        Assert.Single(first);
        Assert.Equal(0, early!.CurrentStage);
        Assert.Equal(1, later!.CurrentStage);
    }
}
