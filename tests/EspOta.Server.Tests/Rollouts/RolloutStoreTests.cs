using EspOta.Http;
using EspOta.Server.Rollouts;
using EspOta.Server.Tests.Storage;
using Microsoft.Extensions.Time.Testing;

namespace EspOta.Server.Tests.Rollouts;

/// <summary>The rollout store on both providers: a rollout, its members, events and state survive a reload; labels too.</summary>
public sealed class RolloutStoreTests
{
    public static TheoryData<string> Providers => TestDatabase.Providers;

    [Theory]
    [MemberData(nameof(Providers))]
    public async Task Rollout_RoundTrips_WithMembersEventsAndState(string provider)
    {
        await using var test = await TestDatabase.CreateAsync(provider);
        using var database = test.Open();
        var time = new FakeTimeProvider(new DateTimeOffset(2026, 3, 1, 12, 0, 0, TimeSpan.Zero));
        var store = new RolloutStore(database, time);
        var firmware = new RolloutFirmware(new string('a', 64), "demo", "esp32", "2.0.0", 3);
        var rollout = Rollout.Create("r1", "demo 2", firmware, new RolloutTarget("lab", ["beta"], ["d1", "d2"]), [new(Count: 1), new(Percent: 100)], new RolloutGate(80, 0, 10), time.GetUtcNow());
        var device = new DeviceFacts("d1", "demo", "esp32", "1.0.0", 0, "lab", ["beta"]);

        Assert.True(await store.AddAsync(rollout, CancellationToken.None));
        Assert.False(await store.AddAsync(Rollout.Create("r1", "again", firmware, new(), [new(Percent: 100)], new(), time.GetUtcNow()), CancellationToken.None));
        time.Advance(TimeSpan.FromMinutes(1));
        await store.UpdateAsync(list => { list[0].Admit(device, 0, time.GetUtcNow()); return 0; }, CancellationToken.None);
        time.Advance(TimeSpan.FromMinutes(1));
        await store.UpdateAsync(
            list =>
            {
                list[0].Observe("d1", new DeviceReport(DeviceReportKind.RolledBack, "2.0.0", firmware.Sha256, "self-test failed"), time.GetUtcNow());
                return list[0].Evaluate(time.GetUtcNow(), [device]);
            },
            CancellationToken.None);
        await store.SetLabelsAsync("d1", new DeviceLabels("lab", ["beta", "x"], "1.0.0"), CancellationToken.None);

        var loaded = (await store.GetAsync("r1", CancellationToken.None))!;
        var labels = await store.LabelsAsync(CancellationToken.None);

        Assert.Equal(RolloutState.Halted, loaded.State);
        Assert.Equal(rollout.Target.Group, loaded.Target.Group);
        Assert.Equal(["d1", "d2"], loaded.Target.DeviceIds);
        Assert.Equal(rollout.Stages, loaded.Stages);
        Assert.Equal(rollout.Gate, loaded.Gate);
        Assert.Equal(firmware, loaded.Firmware);
        Assert.Contains("self-test failed", loaded.HaltReason);
        var member = Assert.Single(loaded.Members);
        Assert.Equal(new RolloutMember("d1", 0, RolloutMemberStatus.RolledBack, "1.0.0", "self-test failed", time.GetUtcNow()), member);
        Assert.Equal(["created", "halted"], loaded.Events.Select(e => e.Kind));
        Assert.Equal(rollout.CreatedAt, loaded.CreatedAt);
        Assert.Equal(new DeviceLabels("lab", ["beta", "x"], "1.0.0").Tags, labels["d1"].Tags);
        Assert.Equal("1.0.0", labels["d1"].PinnedVersion);
        Assert.Null(await store.GetAsync("nope", CancellationToken.None));
    }
}
