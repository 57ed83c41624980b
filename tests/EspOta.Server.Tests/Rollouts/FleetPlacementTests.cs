using System.Net;
using System.Net.Http.Json;
using EspOta.Http;
using EspOta.Server.Devices;
using EspOta.Server.Firmware;
using EspOta.Server.Rollouts;
using EspOta.Server.Tests.Firmware;
using EspOta.Server.Tests.Storage;
using EspOta.Server.Updates;
using Microsoft.Extensions.DependencyInjection;

namespace EspOta.Server.Tests.Rollouts;

/// <summary>
/// The update check places devices from Rollouts/FleetPlacement (kept between checks, refreshed by the
/// fleet counter) instead of the whole device list. Over a seeded random life of a fleet — devices
/// appearing, moving project, getting and losing labels, two rollouts (one for a group), admissions —
/// every decision equals the one computed from scratch the way the check did before the cache. A second
/// life adds the rollouts' own: rollouts created while devices keep arriving, operator actions (pause,
/// resume, cancel, roll back), member reports and gate ticks that advance and halt stages; every gate
/// evaluation must change the rollouts as the whole-list computation does, and every decision must
/// still equal the uncached one.
/// </summary>
public sealed class FleetPlacementTests
{
    public static TheoryData<string> Providers => TestDatabase.Providers;

    [Theory]
    [MemberData(nameof(Providers))]
    public async Task Decide_RandomFleetLife_EqualsTheUncachedDecision(string provider)
    {
        const int seed = 18_0002;
        var random = new Random(seed);
        await using var database = await TestDatabase.CreateAsync(provider);
        await using var server = await OtaTestServer.StartAsync(o => database.Configure(o), database.Directory);
        var v1 = await UploadAsync(server, "1.0.0");
        var v2 = await UploadAsync(server, "2.0.0");
        var services = server.Services;
        var rollouts = services.GetRequiredService<RolloutService>();
        var ids = Enumerable.Range(0, 40).Select(i => $"dev-{i:D2}").ToArray();
        string[] groups = ["lab", "field"];
        int compared = 0, placedWithoutMembership = 0;
        await CreateRolloutAsync(server, new { firmware = v2.Sha256, id = "wide", stages = new object[] { new { count = 3 }, new { percent = 40 }, new { percent = 100 } } });
        for (int step = 0; step < 220; step++)
        {
            string what = $"seed {seed}, {provider}, step {step}";
            if (step == 60)
            {
                await CreateRolloutAsync(server, new { firmware = v2.Sha256, id = "lab-only", target = new { group = "lab" }, stages = new object[] { new { percent = 25 }, new { percent = 100 } } });
            }

            int choice = random.Next(10);
            string id = ids[random.Next(ids.Length)];
            if (choice == 0)
            {
                var labels = new DeviceLabels(random.Next(3) == 0 ? null : groups[random.Next(groups.Length)], random.Next(2) == 0 ? [] : ["beta"]);
                using var put = await server.Admin.PutAsJsonAsync($"/api/devices/{id}/labels", labels);
                Assert.True(put.IsSuccessStatusCode, $"{what}: labels {put.StatusCode}");
                continue;
            }

            // Mostly the rollouts' project; sometimes a device moves to another (leaving the audience) and back.
            var check = new UpdateCheckRequest(id, "esp32", random.Next(8) == 0 ? "other-app" : "fleet-app", random.Next(4) == 0 ? "2.0.0" : "1.0.0", 0);
            var expected = await UncachedAsync(services, check);
            var (actual, _, _) = await rollouts.DecideAsync(check, record: false, CancellationToken.None);
            AssertSameDecision(expected, actual, what);
            compared++;
            placedWithoutMembership += PlacementsOfNonMembers(actual);

            // The real check: admits into a stage and records the device, moving the fleet on.
            using var response = await server.CheckAsync(check);
            Assert.True(response.StatusCode is HttpStatusCode.OK or HttpStatusCode.NoContent, $"{what}: check {response.StatusCode}");
        }

        Assert.True(compared > 150, $"only {compared} decisions compared");
        Assert.True(placedWithoutMembership > 50, $"only {placedWithoutMembership} placements of non-members: the cache was hardly used");
        _ = v1;
    }

    [Theory]
    [MemberData(nameof(Providers))]
    public async Task DecideAndGates_RandomRolloutLife_EqualTheUncachedPath(string provider)
    {
        const int seed = 18_0102;
        var random = new Random(seed);
        await using var database = await TestDatabase.CreateAsync(provider);

        // No ticker between steps: a gate tick is a step of its own, so the expected rollouts are exact.
        await using var server = await OtaTestServer.StartAsync(
            o =>
            {
                database.Configure(o);
                o.RolloutEvaluationInterval = TimeSpan.FromDays(1);
            },
            database.Directory);
        FirmwareInfo[] images = [await UploadAsync(server, "1.0.0"), await UploadAsync(server, "2.0.0"), await UploadAsync(server, "3.0.0")];
        var services = server.Services;
        var service = services.GetRequiredService<RolloutService>();
        var store = services.GetRequiredService<IRolloutStore>();
        var ids = Enumerable.Range(0, 90).Select(i => $"dev-{i:D2}").ToArray();
        string[] groups = ["lab", "field"];
        object[][] stageSets =
        [
            [new { percent = 10 }, new { percent = 50 }, new { percent = 100 }],
            [new { count = 2 }, new { percent = 30 }, new { percent = 100 }],
            [new { percent = 1 }, new { percent = 10 }, new { percent = 50 }, new { percent = 100 }],
            [new { count = 5 }],
        ];
        object?[] targets = [null, null, new { group = "lab" }, new { tags = new[] { "beta" } }];
        // Resumes outweigh the rest, or a halted or paused rollout would sit out most of the life.
        string[] actions = ["pause", "resume", "resume", "resume", "cancel", "rollback", "rollback"];
        int created = 0, compared = 0, reports = 0, ticks = 0, acted = 0, placedWithoutMembership = 0;
        for (int step = 0; step < 260; step++)
        {
            string what = $"seed {seed}, {provider}, step {step}";

            // Devices keep arriving while the rollouts run: the pool of ids grows with the steps.
            string id = ids[random.Next(Math.Min(ids.Length, 8 + (step / 3)))];
            int choice = random.Next(20);
            if (step == 0 || (choice == 0 && created < 5))
            {
                var body = new Dictionary<string, object?>
                {
                    ["firmware"] = images[1 + random.Next(2)].Sha256,
                    ["id"] = $"r{created}",
                    ["stages"] = stageSets[random.Next(stageSets.Length)],
                    ["gate"] = new { advance_confirmed_percent = 50, soak_seconds = 0, halt_failure_percent = 40 },
                };
                if (targets[random.Next(targets.Length)] is { } target)
                {
                    body["target"] = target;
                }

                await CreateRolloutAsync(server, body);
                created++;
                continue;
            }

            if (choice is 1 or 19)
            {
                // Cancel and roll back end a rollout's offers for good: only late in the life.
                string action = actions[random.Next(step < 200 ? 4 : actions.Length)];
                using var response = await server.Admin.PostAsync($"/api/rollouts/r{random.Next(created)}/{action}", null);
                Assert.True(response.StatusCode is HttpStatusCode.OK or HttpStatusCode.Conflict, $"{what}: {action} {response.StatusCode}");
                acted += response.IsSuccessStatusCode ? 1 : 0;
                continue;
            }

            if (choice == 2)
            {
                var labels = new DeviceLabels(random.Next(3) == 0 ? null : groups[random.Next(groups.Length)], random.Next(2) == 0 ? [] : ["beta"]);
                using var put = await server.Admin.PutAsJsonAsync($"/api/devices/{id}/labels", labels);
                Assert.True(put.IsSuccessStatusCode, $"{what}: labels {put.StatusCode}");
                continue;
            }

            if (choice == 3)
            {
                // A gate tick: the whole-list evaluation on copies, then the server's.
                var (expected, fleet) = (await store.ListAsync(CancellationToken.None), await service.FleetAsync(CancellationToken.None));
                var now = DateTimeOffset.UtcNow;
                foreach (var rollout in expected)
                {
                    rollout.Evaluate(now, fleet);
                }

                await service.EvaluateAllAsync(CancellationToken.None);
                await AssertSameRolloutsAsync(store, expected, $"{what}: tick");
                ticks++;
                continue;
            }

            var all = await store.ListAsync(CancellationToken.None);
            // Members enumerate in hash order, which differs per process (randomized string hashing): sort, or the
            // seed would not fix which member reports.
            var memberships = all.SelectMany(r => r.Members.Select(m => (Rollout: r, Member: m)))
                .OrderBy(x => x.Rollout.Id, StringComparer.Ordinal)
                .ThenBy(x => x.Member.DeviceId, StringComparer.Ordinal)
                .ToList();
            if (choice <= 8 && memberships.Count > 0)
            {
                // A member reports about the rollout's firmware (or, rolling back, about the release it returns to).
                var (rollout, member) = memberships[random.Next(memberships.Count)];
                var kind = random.Next(20) switch
                {
                    < 3 => DeviceReportKind.Downloading,
                    < 17 => DeviceReportKind.Confirmed,
                    < 19 => DeviceReportKind.Failed,
                    _ => DeviceReportKind.RolledBack,
                };
                var about = rollout.State == RolloutState.RollingBack && random.Next(2) == 0 && member.FromVersion is { } from
                    ? images.FirstOrDefault(f => f.Version == from) ?? images[1]
                    : images.First(f => f.Sha256 == rollout.Firmware.Sha256);
                var report = new DeviceReport(kind, about.Version, about.Sha256, kind is DeviceReportKind.Failed or DeviceReportKind.RolledBack ? "self-test failed" : null, "esp32", "fleet-app");
                var fleet = await service.FleetAsync(CancellationToken.None);
                var now = DateTimeOffset.UtcNow;
                foreach (var copy in all)
                {
                    if (copy.Observe(member.DeviceId, report, now))
                    {
                        copy.Evaluate(now, fleet);
                    }
                }

                using var posted = await server.Device.PostAsJsonAsync($"/api/devices/{member.DeviceId}/reports", report);
                Assert.True(posted.IsSuccessStatusCode, $"{what}: report {posted.StatusCode}");
                await AssertSameRolloutsAsync(store, all, $"{what}: {member.DeviceId} reports {kind} {about.Version}");
                reports++;
                continue;
            }

            string[] versions = ["1.0.0", "1.0.0", "1.0.0", "2.0.0", "3.0.0"];
            var check = new UpdateCheckRequest(id, "esp32", random.Next(8) == 0 ? "other-app" : "fleet-app", versions[random.Next(versions.Length)], 0);
            var uncached = await UncachedAsync(services, check);
            var (actual, _, _) = await service.DecideAsync(check, record: false, CancellationToken.None);
            AssertSameDecision(uncached, actual, what);
            compared++;
            placedWithoutMembership += PlacementsOfNonMembers(actual);
            using var checkResponse = await server.CheckAsync(check);
            Assert.True(checkResponse.StatusCode is HttpStatusCode.OK or HttpStatusCode.NoContent, $"{what}: check {checkResponse.StatusCode}");
        }

        var final = await store.ListAsync(CancellationToken.None);
        var kinds = final.SelectMany(r => r.Events).Select(e => e.Kind).ToHashSet();
        Assert.True(compared > 80 && reports > 30 && ticks > 5 && acted > 3 && placedWithoutMembership > 50, $"compared {compared}, reports {reports}, ticks {ticks}, actions {acted}, placements of non-members {placedWithoutMembership}");

        // The life must have moved the rollouts through their states, or the gates were hardly tested.
        Assert.True(kinds.IsSupersetOf(["created", "advanced", "halted"]), $"events seen: {string.Join(", ", kinds)}");
        Assert.True(final.Sum(r => r.Members.Count) > 10, $"only {final.Sum(r => r.Members.Count)} admissions: {string.Join("; ", final.Select(r => $"{r.Id} {r.State} stage {r.CurrentStage} {r.Members.Count} members"))}");
    }

    /// <summary>The cached decision equals the uncached one: rule, rollout and stage, offer, and every reason.</summary>
    private static void AssertSameDecision(UpdateDecision uncached, UpdateDecision actual, string what)
    {
        Assert.True(uncached.Rule == actual.Rule, $"{what}: rule {actual.Rule}, uncached {uncached.Rule}");
        Assert.True(uncached.RolloutId == actual.RolloutId && uncached.Stage == actual.Stage, $"{what}: {actual.RolloutId}/{actual.Stage}, uncached {uncached.RolloutId}/{uncached.Stage}");
        Assert.True(uncached.Offer?.Sha256 == actual.Offer?.Sha256, $"{what}: offer {actual.Offer?.Version}, uncached {uncached.Offer?.Version}");
        Assert.True(uncached.Reasons.SequenceEqual(actual.Reasons), $"{what}: reasons\n  {string.Join("\n  ", actual.Reasons)}\nuncached\n  {string.Join("\n  ", uncached.Reasons)}");
    }

    /// <summary>Reasons that placed a device by bucketing, not by a membership: what the cache decides.</summary>
    private static int PlacementsOfNonMembers(UpdateDecision decision) =>
        decision.Reasons.Count(r => r.Contains("the device is in stage", StringComparison.Ordinal) || r.Contains("no stage covers", StringComparison.Ordinal));

    /// <summary>The rollouts as the server saved them equal <paramref name="expected"/> (state, stage, halt reason, members).</summary>
    private static async Task AssertSameRolloutsAsync(IRolloutStore store, IReadOnlyList<Rollout> expected, string what)
    {
        var saved = (await store.ListAsync(CancellationToken.None)).ToDictionary(r => r.Id);
        foreach (var rollout in expected)
        {
            var actual = saved[rollout.Id];
            Assert.True(
                (rollout.State, rollout.CurrentStage, rollout.HaltReason) == (actual.State, actual.CurrentStage, actual.HaltReason),
                $"{what}: {rollout.Id} is {actual.State} at stage {actual.CurrentStage} ({actual.HaltReason}), expected {rollout.State} at {rollout.CurrentStage} ({rollout.HaltReason})");
            var statuses = rollout.Members.ToDictionary(m => m.DeviceId, m => (m.Stage, m.Status));
            Assert.True(
                actual.Members.Count == statuses.Count && actual.Members.All(m => statuses.GetValueOrDefault(m.DeviceId) == (m.Stage, m.Status)),
                $"{what}: {rollout.Id} members differ");
        }
    }

    /// <summary>The decision as the update check computed it before the placement cache: every device, every label, from the stores.</summary>
    private static async Task<UpdateDecision> UncachedAsync(IServiceProvider services, UpdateCheckRequest check)
    {
        var store = services.GetRequiredService<IRolloutStore>();
        var devices = services.GetRequiredService<IDeviceStore>();
        var firmware = services.GetRequiredService<IFirmwareStore>();
        var fleet = await services.GetRequiredService<RolloutService>().FleetAsync(CancellationToken.None);
        var labels = (await store.LabelsAsync(CancellationToken.None)).GetValueOrDefault(check.DeviceId);
        var device = new DeviceFacts(check.DeviceId, check.Project, check.Chip, check.Version, check.SecureVersion, labels?.Group, labels?.Tags ?? [], labels?.PinnedVersion);
        var population = fleet.Where(d => d.Id != device.Id).Append(device).ToList();
        var catalog = await firmware.ListAsync(check.Project, check.Chip, null, int.MaxValue, CancellationToken.None);
        var rejected = await devices.RejectedFirmwareAsync(check.DeviceId, CancellationToken.None);
        var latest = UpdatePolicy.Choose(check, catalog, rejected);
        var all = await store.ListAsync(CancellationToken.None);
        return UpdateDecider.Decide(device, all, population, catalog.Select(RolloutService.ToRollout).ToList(), rejected, latest is null ? null : RolloutService.ToRollout(latest));
    }

    private static async Task<FirmwareInfo> UploadAsync(OtaTestServer server, string version)
    {
        using var response = await server.UploadAsync(TestFirmware.Build("fleet-app", version));
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        return (await response.Content.ReadFromJsonAsync<FirmwareInfo>())!;
    }

    private static async Task CreateRolloutAsync(OtaTestServer server, object body)
    {
        using var response = await server.Admin.PostAsJsonAsync("/api/rollouts", body);
        Assert.True(response.StatusCode == HttpStatusCode.Created, $"create rollout: {response.StatusCode} {await response.Content.ReadAsStringAsync()}");
    }
}
