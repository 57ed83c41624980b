using System.Net;
using System.Net.Http.Json;
using EspOta.Http;
using EspOta.Server.Devices;
using EspOta.Server.Rollouts;
using EspOta.Server.Tests.Storage;

namespace EspOta.Server.Tests.Operations;

/// <summary>
/// Issue 18: two <c>esp-ota serve</c> processes on one database (and one shared data folder) serve one
/// fleet consistently — uploads happen once, a device may talk to either.
/// </summary>
public sealed class TwoServersTests
{
    public static TheoryData<string> Providers => TestDatabase.Providers;

    [Theory]
    [MemberData(nameof(Providers))]
    public async Task TwoProcesses_ConcurrentUploadsOfOneImage_OneCreated_OneFleetServedByBoth(string provider)
    {
        await using var database = await TestDatabase.CreateAsync(provider);
        string[] args =
        [
            "--data", database.Directory, "--urls", "http://127.0.0.1:0",
            "--database", database.Provider.ToString(), "--connection-string", database.ConnectionString,
        ];
        await using var a = await ServeProcess.StartAsync(args);
        await using var b = await ServeProcess.StartAsync(args);
        var image = TestFirmware.Build("two-servers", "2.0.0", payload: 64 * 1024);
        string sha = Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(image));

        var uploads = Enumerable.Range(0, 8).Select(async i =>
        {
            using var content = new ByteArrayContent(image);
            content.Headers.ContentType = new("application/octet-stream");
            using var response = await (i % 2 == 0 ? a : b).Admin.PostAsync("/api/firmware", content);
            return response.StatusCode;
        });
        var codes = await Task.WhenAll(uploads);

        Assert.Equal(1, codes.Count(c => c == HttpStatusCode.Created));
        Assert.Equal(7, codes.Count(c => c == HttpStatusCode.Conflict));

        // One fleet: each device checks at one server, downloads from and reports to the other.
        for (int i = 0; i < 20; i++)
        {
            var (first, second) = i % 2 == 0 ? (a, b) : (b, a);
            string id = $"fleet-{i:d2}";
            using var check = await first.Device.PostAsJsonAsync("/api/updates/check", new UpdateCheckRequest(id, "esp32", "two-servers", "1.0.0", 0));
            Assert.Equal(HttpStatusCode.OK, check.StatusCode);
            var offer = (await check.Content.ReadFromJsonAsync<UpdateOffer>())!;
            Assert.Equal(sha, offer.Sha256);
            Assert.Equal(image, await second.Device.GetByteArrayAsync(offer.Url));
            var kind = i == 0 ? DeviceReportKind.RolledBack : DeviceReportKind.Confirmed;
            using var report = await second.Device.PostAsJsonAsync($"/api/devices/{id}/reports", new DeviceReport(kind, "2.0.0", sha, i == 0 ? "self-test failed" : null));
            Assert.Equal(HttpStatusCode.Accepted, report.StatusCode);
        }

        var fromA = await a.Admin.GetFromJsonAsync<DeviceSummary[]>("/api/devices?limit=1000");
        var fromB = await b.Admin.GetFromJsonAsync<DeviceSummary[]>("/api/devices?limit=1000");
        Assert.Equal(20, fromA!.Length);
        Assert.Equal(fromA, fromB);
        Assert.Equal(19, fromA.Count(d => d.State == DeviceReportKind.Confirmed));

        // The rollback reported at b after a's offer blocks the image at both.
        foreach (var server in new[] { a, b })
        {
            using var again = await server.Device.PostAsJsonAsync("/api/updates/check", new UpdateCheckRequest("fleet-00", "esp32", "two-servers", "1.0.0", 0));
            Assert.Equal(HttpStatusCode.NoContent, again.StatusCode);
        }
    }

    [Theory]
    [MemberData(nameof(Providers))]
    public async Task TwoProcesses_AdvancingOneRolloutAtOnce_EachStageAdvancesOnce_SameFinalState(string provider)
    {
        await using var database = await TestDatabase.CreateAsync(provider);
        string[] args =
        [
            "--data", database.Directory, "--urls", "http://127.0.0.1:0",
            "--database", database.Provider.ToString(), "--connection-string", database.ConnectionString,
        ];

        // Both servers' gate tickers run every 20 ms, so they evaluate the same rollout at the same
        // moments as each other and as the reports arriving at both.
        var fastTicks = new Dictionary<string, string> { ["EspOta__RolloutEvaluationInterval"] = "00:00:00.020" };
        await using var a = await ServeProcess.StartAsync(args, fastTicks);
        await using var b = await ServeProcess.StartAsync(args, fastTicks);
        var ids = Enumerable.Range(0, 12).Select(i => $"adv-{i:d2}").ToArray();
        for (int i = 0; i < ids.Length; i++)
        {
            using var first = await (i % 2 == 0 ? a : b).Device.PostAsJsonAsync("/api/updates/check", new UpdateCheckRequest(ids[i], "esp32", "advance", "1.0.0", 0));
            Assert.Equal(HttpStatusCode.NoContent, first.StatusCode); // the fleet is known before there is anything to offer
        }

        var v2 = TestFirmware.Build("advance", "2.0.0");
        string sha = Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(v2));
        using (var content = new ByteArrayContent(v2))
        {
            content.Headers.ContentType = new("application/octet-stream");
            using var upload = await a.Admin.PostAsync("/api/firmware", content);
            Assert.Equal(HttpStatusCode.Created, upload.StatusCode);
        }

        using (var create = await b.Admin.PostAsJsonAsync("/api/rollouts", new
        {
            firmware = sha,
            id = "both",
            stages = new object[] { new { count = 3 }, new { count = 7 }, new { percent = 100 } },
            gate = new { advance_confirmed_percent = 100, soak_seconds = 0, halt_failure_percent = 50 },
        }))
        {
            Assert.Equal(HttpStatusCode.Created, create.StatusCode);
        }

        // Rounds: every device checks at one server; those offered confirm at the other, all at once.
        var confirmed = new HashSet<string>(StringComparer.Ordinal);
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(90);
        int round = 0;
        while (confirmed.Count < ids.Length && DateTime.UtcNow < deadline)
        {
            round++;
            var work = ids.Where(id => !confirmed.Contains(id)).Select(async (id, i) =>
            {
                var (checkAt, reportAt) = (i + round) % 2 == 0 ? (a, b) : (b, a);
                using var check = await checkAt.Device.PostAsJsonAsync("/api/updates/check", new UpdateCheckRequest(id, "esp32", "advance", "1.0.0", 0));
                if (check.StatusCode != HttpStatusCode.OK)
                {
                    Assert.Equal(HttpStatusCode.NoContent, check.StatusCode);
                    return null;
                }

                using var report = await reportAt.Device.PostAsJsonAsync($"/api/devices/{id}/reports", new DeviceReport(DeviceReportKind.Confirmed, "2.0.0", sha, null));
                Assert.Equal(HttpStatusCode.Accepted, report.StatusCode);
                return id;
            });
            foreach (string? id in await Task.WhenAll(work))
            {
                if (id is not null)
                {
                    confirmed.Add(id);
                }
            }

            await Task.Delay(50);
        }

        Assert.Equal(ids.Length, confirmed.Count);
        RolloutView? fromA = null, fromB = null;
        while (DateTime.UtcNow < deadline)
        {
            fromA = await a.Admin.GetFromJsonAsync<RolloutView>("/api/rollouts/both", RolloutJson);
            fromB = await b.Admin.GetFromJsonAsync<RolloutView>("/api/rollouts/both", RolloutJson);
            if (fromA!.State == RolloutState.Completed && fromB!.State == RolloutState.Completed)
            {
                break;
            }

            await Task.Delay(50);
        }

        Assert.Equal(RolloutState.Completed, fromA!.State);
        Assert.Equal(RolloutState.Completed, fromB!.State);
        var kinds = fromA.Events.Select(e => e.Kind).ToArray();
        Assert.Equal(2, kinds.Count(k => k == "advanced"));
        Assert.Equal(1, kinds.Count(k => k == "completed"));
        Assert.Equal(fromA.Events.Count, fromA.Events.Select(e => (e.Kind, e.Detail)).Distinct().Count());
        var advanced = fromA.Events.Where(e => e.Kind == "advanced").Select(e => e.Detail).ToArray();
        Assert.StartsWith("stage 1 ", advanced[0], StringComparison.Ordinal);
        Assert.StartsWith("stage 2 ", advanced[1], StringComparison.Ordinal);
        Assert.Equal(
            System.Text.Json.JsonSerializer.Serialize(fromA, RolloutJson),
            System.Text.Json.JsonSerializer.Serialize(fromB, RolloutJson));
        Assert.Equal(ids.Length, fromA.Members!.Count(m => m.Status == RolloutMemberStatus.Confirmed));
        Assert.Equal([3, 4, 5], fromA.Members!.GroupBy(m => m.Stage).OrderBy(g => g.Key).Select(g => g.Count()));
    }

    private static readonly System.Text.Json.JsonSerializerOptions RolloutJson = new(System.Text.Json.JsonSerializerDefaults.Web);

    [Fact]
    public async Task Serve_OptionsFromEnvironmentAndAspNetCoreUrls()
    {
        string data = Path.Combine(Path.GetTempPath(), "esp-ota-env-test-" + Guid.NewGuid().ToString("N")[..8]);
        var environment = new Dictionary<string, string>
        {
            ["ASPNETCORE_URLS"] = "http://127.0.0.1:0",
            ["EspOta__DataDirectory"] = data,
            ["EspOta__MaxNameLength"] = "10",
        };
        try
        {
            await using var server = await ServeProcess.StartAsync([], environment);

            using var ok = await server.Device.PostAsJsonAsync("/api/updates/check", new UpdateCheckRequest("d", "esp32", "0123456789", "1", 0));
            using var tooLong = await server.Device.PostAsJsonAsync("/api/updates/check", new UpdateCheckRequest("d", "esp32", "01234567890", "1", 0));

            Assert.Equal("127.0.0.1", server.BaseAddress.Host);
            Assert.Equal(HttpStatusCode.NoContent, ok.StatusCode);
            Assert.Equal(HttpStatusCode.BadRequest, tooLong.StatusCode);
            Assert.True(File.Exists(Path.Combine(data, "esp-ota.db")));
        }
        finally
        {
            Directory.Delete(data, recursive: true);
        }
    }
}
