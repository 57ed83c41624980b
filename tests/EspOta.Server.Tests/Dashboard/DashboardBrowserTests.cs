using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using EspOta.Http;
using EspOta.Simulation;
using EspOta.Images;
using EspOta.Server.Firmware;
using EspOta.Server.Rollouts;
using OpenQA.Selenium;

namespace EspOta.Server.Tests.Dashboard;

/// <summary>The dashboard in real headless Chromium over a real server and a simulated fleet rolling out a bad and a good release.</summary>
public sealed class DashboardBrowserTests
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    [Fact]
    public async Task Dashboard_ShowsFleet_LiveStageProgress_HaltReason_DeviceHistory_AndUploads()
    {
        using var browser = HeadlessChromium.TryStart();
        if (browser is null)
        {
            return;
        }

        await using var server = await OtaTestServer.StartAsync(o => o.RolloutEvaluationInterval = TimeSpan.FromMilliseconds(100));
        var v1 = TestFirmware.Build("fleet-app", "1.0.0");
        await UploadAsync(server, v1);
        using var http = new HttpClient { BaseAddress = server.BaseAddress };
        var fleet = new SimulatedFleet(v1, new HttpOtaClient(http), new SimulatedFleetOptions
        {
            Count = 20,
            IdPrefix = "sim-",
            PollInterval = TimeSpan.FromMilliseconds(150),
            SelfTestFailureRate = app => app.Version == "2.0.0" ? 0.9 : 0,
            Concurrency = 4,
        });

        // The fleet runs 1.0.0 and checks in (nothing newer yet); then a bad release goes out in stages.
        await fleet.RunAsync(rounds: 1);
        var bad = await UploadAsync(server, TestFirmware.Build("fleet-app", "2.0.0", seed: 2));
        await CreateRolloutAsync(server, new { firmware = bad.Sha256, id = "bad-2.0.0", name = "fleet-app 2.0.0 (bad)", stages = new object[] { new { count = 4 }, new { percent = 100 } }, gate = new { advance_confirmed_percent = 100, soak_seconds = 0, halt_failure_percent = 25 } });
        await fleet.RunAsync(rounds: 4);
        var halted = await server.Admin.GetFromJsonAsync<RolloutView>("/api/rollouts/bad-2.0.0", Json);
        Assert.Equal(RolloutState.Halted, halted!.State);

        // Login.
        browser.Go(new Uri(server.BaseAddress, "/dashboard/rollouts"));
        Assert.Contains("/dashboard/login", browser.Driver_.Url, StringComparison.Ordinal);
        browser.Find("#api_key").SendKeys("wrong");
        browser.Find("#login").Click();
        browser.WaitFor(() => browser.FindAll(".error").Count == 1, "the wrong-key error");
        browser.Find("#api_key").SendKeys(OtaTestServer.ApiKey);
        browser.Find("#login").Click();
        browser.WaitFor(() => browser.Driver_.Url.EndsWith("/dashboard/rollouts", StringComparison.Ordinal), "the rollouts page after login");

        // The halted rollout shows its reason.
        var reason = browser.Read(() => browser.Find("#rollout-bad-2\\.0\\.0 .halt-reason").Text);
        Assert.Contains("stage 1", reason, StringComparison.Ordinal);
        Assert.Contains("failed or rolled back", reason, StringComparison.Ordinal);
        browser.Screenshot("01-rollouts-halted");

        // A good release while the fleet keeps polling: the stage chart moves by itself.
        var good = await UploadAsync(server, TestFirmware.Build("fleet-app", "2.1.0", seed: 3));
        await CreateRolloutAsync(server, new { firmware = good.Sha256, id = "good-2.1.0", name = "fleet-app 2.1.0", stages = new object[] { new { count = 4 }, new { percent = 50 }, new { percent = 100 } }, gate = new { advance_confirmed_percent = 100, soak_seconds = 1, halt_failure_percent = 25 } });
        browser.Go(new Uri(server.BaseAddress, "/dashboard/rollouts/good-2.1.0"));
        // The live page re-renders itself: every read goes through Read, which retries a stale one.
        double Width(int stage, string kind) => double.Parse(
            browser.Read(() => browser.Find($".stage[data-stage=\"{stage}\"] .seg[data-k=\"{kind}\"]").GetAttribute("style")!).Replace("width:", "").Replace("%", "").Replace(";", "").Trim(),
            System.Globalization.CultureInfo.InvariantCulture);
        Assert.Equal(0, Width(0, "confirmed"));
        var running = fleet.RunAsync(rounds: 60, until: () => server.Admin.GetFromJsonAsync<RolloutView>("/api/rollouts/good-2.1.0", Json).GetAwaiter().GetResult()!.State == RolloutState.Completed);
        browser.WaitFor(() => Width(0, "confirmed") > 0, "stage 1 confirmations on the live chart");
        browser.Screenshot("02-rollout-in-progress");
        browser.WaitFor(() => browser.Find("[data-live=state]").Text.Contains("completed", StringComparison.Ordinal), "the rollout to complete on the live page", seconds: 90);
        await running;
        Assert.Equal(100, Width(0, "confirmed"));
        Assert.Equal(100, Width(2, "confirmed"));
        browser.Screenshot("03-rollout-completed");

        // Fleet overview: devices by version and state.
        browser.Go(new Uri(server.BaseAddress, "/dashboard"));
        Assert.Equal("20", browser.Read(() => browser.Find("#device-count").Text));
        Assert.Contains("2.1.0", browser.Read(() => browser.Find(".hbar .name").Text), StringComparison.Ordinal);
        Assert.Equal(20, browser.FindAll("#devices tbody tr").Count);
        browser.Screenshot("04-fleet");

        // A device that rolled back from the bad release: its timeline and the explanation.
        var member = halted.Members!.First(m => m.Status == RolloutMemberStatus.RolledBack);
        browser.Go(new Uri(server.BaseAddress, $"/dashboard/devices/{member.DeviceId}"));
        // The page refreshes itself: read it through WaitFor, which retries a read the refresh made stale.
        List<string?> history = [];
        string decision = "";
        browser.WaitFor(
            () =>
            {
                history = browser.FindAll("#history li").Select(li => li.GetAttribute("class")).ToList();
                decision = browser.Find("#decision h2").Text;
                return history.Contains("rolled_back") && history.Contains("confirmed");
            },
            "the device's history with its rollback and confirmation");
        Assert.Contains("rolled_back", history);
        Assert.Contains("confirmed", history);
        Assert.Contains("why nothing", decision, StringComparison.OrdinalIgnoreCase);
        browser.Screenshot("05-device");

        // Firmware list and an upload through the page.
        string file = Path.Combine(server.DataDirectory, "upload-3.0.0.bin");
        await File.WriteAllBytesAsync(file, TestFirmware.Build("fleet-app", "3.0.0", seed: 4));
        browser.Go(new Uri(server.BaseAddress, "/dashboard/firmware"));
        Assert.Equal(3, browser.FindAll("#firmware tbody tr").Count);
        browser.Find("#upload-file").SendKeys(file);
        browser.Find("#upload button").Click();
        browser.WaitFor(() => browser.FindAll("#firmware tbody tr").Count == 4, "the uploaded image in the list");
        Assert.Contains("3.0.0", browser.Find("#firmware tbody tr").Text, StringComparison.Ordinal);
        browser.Screenshot("06-firmware");

        // Without the cookie, the pages send the browser to the login page.
        browser.Driver_.Manage().Cookies.DeleteAllCookies();
        browser.Go(new Uri(server.BaseAddress, "/dashboard/firmware"));
        Assert.Contains("/dashboard/login", browser.Driver_.Url, StringComparison.Ordinal);
    }

    private static async Task<FirmwareInfo> UploadAsync(OtaTestServer server, byte[] image)
    {
        using var response = await server.UploadAsync(image);
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        return (await response.Content.ReadFromJsonAsync<FirmwareInfo>())!;
    }

    private static async Task CreateRolloutAsync(OtaTestServer server, object body)
    {
        using var response = await server.Admin.PostAsJsonAsync("/api/rollouts", body);
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
    }
}
