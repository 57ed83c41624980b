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
/// every decision equals the one computed from scratch the way the check did before the cache.
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
            Assert.True(expected.Rule == actual.Rule, $"{what}: rule {actual.Rule}, uncached {expected.Rule}");
            Assert.True(expected.RolloutId == actual.RolloutId && expected.Stage == actual.Stage, $"{what}: {actual.RolloutId}/{actual.Stage}, uncached {expected.RolloutId}/{expected.Stage}");
            Assert.True(expected.Offer?.Sha256 == actual.Offer?.Sha256, $"{what}: offer {actual.Offer?.Version}, uncached {expected.Offer?.Version}");
            Assert.True(expected.Reasons.SequenceEqual(actual.Reasons), $"{what}: reasons\n  {string.Join("\n  ", actual.Reasons)}\nuncached\n  {string.Join("\n  ", expected.Reasons)}");
            compared++;
            placedWithoutMembership += actual.Reasons.Count(r => r.Contains("the device is in stage", StringComparison.Ordinal) || r.Contains("no stage covers", StringComparison.Ordinal));

            // The real check: admits into a stage and records the device, moving the fleet on.
            using var response = await server.CheckAsync(check);
            Assert.True(response.StatusCode is HttpStatusCode.OK or HttpStatusCode.NoContent, $"{what}: check {response.StatusCode}");
        }

        Assert.True(compared > 150, $"only {compared} decisions compared");
        Assert.True(placedWithoutMembership > 50, $"only {placedWithoutMembership} placements of non-members: the cache was hardly used");
        _ = v1;
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
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
    }
}
