using EspOta.Http;
using EspOta.Server.Rollouts;
using Microsoft.Extensions.Time.Testing;

namespace EspOta.Server.Tests.Rollouts;

/// <summary>The rollout state machine and the update decision, without HTTP or storage.</summary>
public sealed class RolloutTests
{
    private static readonly RolloutFirmware V1 = new(new string('1', 64), "demo", "esp32", "1.0.0", 0);
    private static readonly RolloutFirmware V2 = new(new string('2', 64), "demo", "esp32", "2.0.0", 0);

    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero));

    private static List<DeviceFacts> Fleet(int count, string version = "1.0.0", string? group = null, params string[] tags) =>
        Enumerable.Range(0, count).Select(i => new DeviceFacts($"dev-{i:D3}", "demo", "esp32", version, 0, group, tags)).ToList();

    private Rollout Start(RolloutGate? gate = null, RolloutTarget? target = null, params RolloutStage[] stages) => Rollout.Create(
        "r1", "v2 to everyone", V2, target ?? new RolloutTarget(),
        stages.Length == 0 ? [new(Percent: 10), new(Percent: 50), new(Percent: 100)] : stages,
        gate ?? new RolloutGate(AdvanceConfirmedPercent: 100, SoakSeconds: 600, HaltFailurePercent: 20),
        _time.GetUtcNow());

    private void Report(Rollout rollout, string deviceId, DeviceReportKind kind, string? reason = null) =>
        rollout.Observe(deviceId, new DeviceReport(kind, V2.Version, V2.Sha256, reason), _time.GetUtcNow());

    /// <summary>Offers the firmware to (admits) every device of the reached stages, as their update checks would.</summary>
    private void AdmitReached(Rollout rollout, List<DeviceFacts> fleet)
    {
        var stages = rollout.StagesOf(fleet);
        foreach (var device in fleet.Where(d => stages[d.Id] >= 0 && stages[d.Id] <= rollout.CurrentStage))
        {
            rollout.Admit(device, stages[device.Id], _time.GetUtcNow());
        }
    }

    [Fact]
    public void Bucketing_StagesHaveTheirSizes_AndADeviceKeepsItsStageAsPercentagesGrow()
    {
        var ids = Enumerable.Range(0, 1000).Select(i => $"dev-{i}").ToList();
        RolloutStage[] small = [new(Percent: 1), new(Percent: 10)];
        RolloutStage[] large = [new(Percent: 1), new(Percent: 10), new(Percent: 50), new(Percent: 100)];

        var before = RolloutBucketing.Assign("r1", small, ids);
        var after = RolloutBucketing.Assign("r1", large, ids);
        var again = RolloutBucketing.Assign("r1", large, ids.AsEnumerable().Reverse());

        Assert.Equal(10, before.Count(p => p.Value == 0));
        Assert.Equal(90, before.Count(p => p.Value == 1));
        Assert.Equal(900, before.Count(p => p.Value == -1));
        Assert.All(before.Where(p => p.Value >= 0), p => Assert.Equal(p.Value, after[p.Key]));
        Assert.Equal([10, 90, 400, 500], Enumerable.Range(0, 4).Select(s => after.Count(p => p.Value == s)));
        Assert.Equal(after, again);
    }

    [Fact]
    public void Bucketing_DependsOnTheRolloutId()
    {
        var ids = Enumerable.Range(0, 200).Select(i => $"dev-{i}").ToList();
        RolloutStage[] stages = [new(Percent: 10), new(Percent: 100)];

        var first = RolloutBucketing.Assign("r1", stages, ids).Where(p => p.Value == 0).Select(p => p.Key).ToHashSet();
        var second = RolloutBucketing.Assign("r2", stages, ids).Where(p => p.Value == 0).Select(p => p.Key).ToHashSet();

        Assert.Equal(20, first.Count);
        Assert.Equal(20, second.Count);
        Assert.NotEqual(first, second);
    }

    [Fact]
    public void Bucketing_FixedCounts()
    {
        var ids = Enumerable.Range(0, 50).Select(i => $"dev-{i}").ToList();

        var stages = RolloutBucketing.Assign("r", [new(Count: 5), new(Count: 20), new(Count: 1000)], ids);

        Assert.Equal([5, 15, 30], Enumerable.Range(0, 3).Select(s => stages.Count(p => p.Value == s)));
    }

    [Theory]
    [InlineData(50.0, 10.0)]
    [InlineData(0.0, null)]
    [InlineData(150.0, null)]
    public void Validate_RefusesShrinkingOrOutOfRangeStages(double first, double? second)
    {
        RolloutStage[] stages = second is { } s ? [new(Percent: first), new(Percent: s)] : [new(Percent: first)];

        Assert.NotEmpty(Rollout.Validate(stages, new RolloutGate()));
        Assert.Throws<ArgumentException>(() => Rollout.Create("r", "n", V2, new(), stages, new(), _time.GetUtcNow()));
    }

    [Fact]
    public void Validate_RefusesBadGateAndEmptyStages()
    {
        Assert.NotEmpty(Rollout.Validate([], new RolloutGate()));
        Assert.NotEmpty(Rollout.Validate([new(Percent: 10, Count: 3)], new RolloutGate()));
        Assert.NotEmpty(Rollout.Validate([new(Percent: 10)], new RolloutGate(HaltFailurePercent: 100)));
        Assert.NotEmpty(Rollout.Validate([new(Percent: 10)], new RolloutGate(SoakSeconds: -1)));
        Assert.Empty(Rollout.Validate([new(Percent: 10), new(Count: 100)], new RolloutGate()));
    }

    [Fact]
    public void Gate_AdvancesOnlyWhenConfirmedEnough_AndSoaked()
    {
        var fleet = Fleet(100);
        var rollout = Start();
        AdmitReached(rollout, fleet);
        var firstStage = rollout.Members.Select(m => m.DeviceId).ToList();
        Assert.Equal(10, firstStage.Count);

        foreach (var id in firstStage.Take(9))
        {
            Report(rollout, id, DeviceReportKind.Confirmed);
        }

        _time.Advance(TimeSpan.FromHours(1));
        Assert.False(rollout.Evaluate(_time.GetUtcNow(), fleet)); // 90 % < 100 %
        Report(rollout, firstStage[9], DeviceReportKind.Confirmed);
        Assert.True(rollout.Evaluate(_time.GetUtcNow(), fleet));
        Assert.Equal(1, rollout.CurrentStage);

        // The soak time counts from the start of the stage, not from its last confirmation.
        AdmitReached(rollout, fleet);
        foreach (var member in rollout.Members.Where(m => m.Stage == 1))
        {
            Report(rollout, member.DeviceId, DeviceReportKind.Confirmed);
        }

        _time.Advance(TimeSpan.FromSeconds(599));
        Assert.False(rollout.Evaluate(_time.GetUtcNow(), fleet));
        _time.Advance(TimeSpan.FromSeconds(1));
        Assert.True(rollout.Evaluate(_time.GetUtcNow(), fleet));
        Assert.Equal(2, rollout.CurrentStage);
        Assert.Equal(RolloutState.Running, rollout.State);

        AdmitReached(rollout, fleet);
        foreach (var member in rollout.Members.Where(m => m.Stage == 2))
        {
            Report(rollout, member.DeviceId, DeviceReportKind.Confirmed);
        }

        _time.Advance(TimeSpan.FromMinutes(10));
        Assert.True(rollout.Evaluate(_time.GetUtcNow(), fleet));
        Assert.Equal(RolloutState.Completed, rollout.State);
        Assert.Equal(["created", "advanced", "advanced", "completed"], rollout.Events.Select(e => e.Kind));
        var progress = rollout.Progress(fleet);
        Assert.Equal([10, 40, 50], progress.Select(p => p.Confirmed));
    }

    [Fact]
    public void Gate_HaltsWhenFailuresAndRollbacksPassTheThreshold_AndSaysWhy()
    {
        var fleet = Fleet(100);
        var rollout = Start();
        AdmitReached(rollout, fleet);
        var stage = rollout.Members.Select(m => m.DeviceId).ToList();

        Report(rollout, stage[0], DeviceReportKind.RolledBack, "self-test failed");
        Report(rollout, stage[1], DeviceReportKind.Failed, "download timed out");
        Assert.False(rollout.Evaluate(_time.GetUtcNow(), fleet)); // 2 of 10 = 20 %: not above
        _time.Advance(TimeSpan.FromSeconds(5));
        Report(rollout, stage[2], DeviceReportKind.RolledBack, "self-test failed");
        Assert.True(rollout.Evaluate(_time.GetUtcNow(), fleet));

        Assert.Equal(RolloutState.Halted, rollout.State);
        Assert.Contains("stage 1", rollout.HaltReason);
        Assert.Contains("3 of 10", rollout.HaltReason);
        Assert.Contains(stage[2], rollout.HaltReason);
        Assert.Equal("halted", rollout.Events[^1].Kind);
        Assert.Equal(0, rollout.CurrentStage);
        Assert.False(rollout.IsOffering);
    }

    [Fact]
    public void Resume_AfterHalt_ForgivesTheSeenFailures_ButHaltsAgainOnNewOnes()
    {
        var fleet = Fleet(100);
        var rollout = Start(new RolloutGate(AdvanceConfirmedPercent: 50, SoakSeconds: 0, HaltFailurePercent: 10));
        AdmitReached(rollout, fleet);
        var stage = rollout.Members.Select(m => m.DeviceId).ToList();
        Report(rollout, stage[0], DeviceReportKind.RolledBack);
        Report(rollout, stage[1], DeviceReportKind.RolledBack);
        rollout.Evaluate(_time.GetUtcNow(), fleet);
        Assert.Equal(RolloutState.Halted, rollout.State);

        _time.Advance(TimeSpan.FromMinutes(1));
        rollout.Resume(_time.GetUtcNow());
        Assert.Equal(RolloutState.Running, rollout.State);
        Assert.Null(rollout.HaltReason);
        Assert.False(rollout.Evaluate(_time.GetUtcNow(), fleet));

        _time.Advance(TimeSpan.FromSeconds(1));
        Report(rollout, stage[2], DeviceReportKind.Failed);
        Report(rollout, stage[3], DeviceReportKind.Failed);
        Assert.True(rollout.Evaluate(_time.GetUtcNow(), fleet));
        Assert.Equal(RolloutState.Halted, rollout.State);
    }

    [Fact]
    public void Gate_WithNoKnownDevice_DoesNotPassEmptyStages()
    {
        var rollout = Start(new RolloutGate(AdvanceConfirmedPercent: 50, SoakSeconds: 0, HaltFailurePercent: 10));

        Assert.False(rollout.Evaluate(_time.GetUtcNow(), []));
        Assert.Equal(0, rollout.CurrentStage);
        Assert.Equal(RolloutState.Running, rollout.State);
    }

    [Fact]
    public void PauseResumeCancel_Transitions()
    {
        var rollout = Start();
        rollout.Pause(_time.GetUtcNow());
        Assert.Equal(RolloutState.Paused, rollout.State);
        Assert.False(rollout.Evaluate(_time.GetUtcNow(), Fleet(10)));
        Assert.Throws<RolloutTransitionException>(() => rollout.Pause(_time.GetUtcNow()));

        _time.Advance(TimeSpan.FromHours(2));
        rollout.Resume(_time.GetUtcNow());
        Assert.Equal(_time.GetUtcNow(), rollout.StageStartedAt);

        rollout.Cancel(_time.GetUtcNow(), "wrong build");
        Assert.Equal(RolloutState.Cancelled, rollout.State);
        var e = Assert.Throws<RolloutTransitionException>(() => rollout.Resume(_time.GetUtcNow()));
        Assert.Equal(RolloutState.Cancelled, e.State);
        Assert.Throws<RolloutTransitionException>(() => rollout.Cancel(_time.GetUtcNow()));
        Assert.Equal(["created", "paused", "resumed", "cancelled"], rollout.Events.Select(x => x.Kind));
    }

    [Fact]
    public void Decide_OffersToReachedStagesOnly_AndOutsidersStay()
    {
        var fleet = Fleet(20);
        var rollout = Start(stages: [new(Count: 2), new(Count: 20)]);
        var stages = rollout.StagesOf(fleet);
        var first = fleet.First(d => stages[d.Id] == 0);
        var second = fleet.First(d => stages[d.Id] == 1);

        var offered = Decide(first, fleet, rollout);
        var waiting = Decide(second, fleet, rollout);

        Assert.Equal(V2, offered.Offer);
        Assert.Equal(DecisionRule.Rollout, offered.Rule);
        Assert.Equal("r1", offered.RolloutId);
        Assert.Equal(0, offered.Stage);
        Assert.Null(waiting.Offer);
        Assert.Equal(DecisionRule.Stay, waiting.Rule);
        Assert.Contains(waiting.Reasons, r => r.Contains("stage 2", StringComparison.Ordinal) && r.Contains("at stage 1", StringComparison.Ordinal));
    }

    [Fact]
    public void Decide_TargetByGroupAndTag()
    {
        var lab = Fleet(5, group: "lab", tags: ["beta"]);
        var field = Enumerable.Range(0, 5).Select(i => new DeviceFacts($"field-{i}", "demo", "esp32", "1.0.0", 0, "field", ["beta"])).ToList();
        var all = lab.Concat(field).ToList();
        var rollout = Start(target: new RolloutTarget("lab", ["beta"]), stages: [new(Percent: 100)]);

        Assert.All(lab, d => Assert.Equal(V2, Decide(d, all, rollout).Offer));
        Assert.All(field, d => Assert.Null(Decide(d, all, rollout).Offer));
        Assert.Contains("group lab", Decide(field[0], all, rollout).Reasons[0]);
        Assert.Equal(5, rollout.Progress(all).Sum(p => p.Size));
    }

    [Fact]
    public void Decide_HaltedOrCancelledRollout_OffersNothing_AndExplains()
    {
        var fleet = Fleet(10);
        var rollout = Start(stages: [new(Percent: 100)]);
        rollout.Cancel(_time.GetUtcNow());

        var decision = Decide(fleet[0], fleet, rollout);

        Assert.Null(decision.Offer);
        Assert.Equal(DecisionRule.Stay, decision.Rule);
        Assert.Contains("cancelled", decision.Reasons[0]);
        Assert.StartsWith("nothing: outside every active rollout", decision.Summary);
    }

    [Fact]
    public void Decide_WithoutAnyRollout_FallsBackToTheNewestVersion()
    {
        var fleet = Fleet(1);

        var decision = UpdateDecider.Decide(fleet[0], [], fleet, [V1, V2], new HashSet<string>(), V2);

        Assert.Equal(V2, decision.Offer);
        Assert.Equal(DecisionRule.Latest, decision.Rule);
    }

    [Fact]
    public void Decide_WithheldBySigningPolicy_NeitherPinNorRolloutNorRollBackOffersIt()
    {
        var fleet = Fleet(4);
        var withheld = new Dictionary<string, string> { [V1.Sha256] = "it is signed only by revoked key(s) aa", [V2.Sha256] = "it is not signed by a key the project trusts" };
        var rollout = Start(stages: [new(Percent: 100)]);

        var byRollout = UpdateDecider.Decide(fleet[0], [rollout], fleet, [V1, V2], new HashSet<string>(), null, withheld);
        var byPin = UpdateDecider.Decide(fleet[1] with { Version = "2.0.0", PinnedVersion = "1.0.0" }, [rollout], fleet, [V1, V2], new HashSet<string>(), null, withheld);
        var open = UpdateDecider.Decide(fleet[2], [rollout], fleet, [V1, V2], new HashSet<string>(), null, withheld.Where(w => w.Key == V1.Sha256).ToDictionary());

        Assert.Null(byRollout.Offer);
        Assert.Contains(byRollout.Reasons, r => r.Contains("2.0.0 is withheld by the signing policy: it is not signed by a key the project trusts", StringComparison.Ordinal));
        Assert.Null(byPin.Offer);
        Assert.Equal(DecisionRule.Pinned, byPin.Rule);
        Assert.Contains("1.0.0 is withheld by the signing policy", byPin.Reasons[^1], StringComparison.Ordinal);
        Assert.Equal(V2, open.Offer);
    }

    [Fact]
    public void Decide_PinnedDevice_GetsItsVersion_WhateverTheRollouts()
    {
        var fleet = Fleet(10, version: "2.0.0");
        var pinned = fleet[3] with { PinnedVersion = "1.0.0" };
        var rollout = Start(stages: [new(Percent: 100)]);

        var decision = UpdateDecider.Decide(pinned, [rollout], fleet, [V1, V2], new HashSet<string>(), null);
        var onIt = UpdateDecider.Decide(pinned with { Version = "1.0.0" }, [rollout], fleet, [V1, V2], new HashSet<string>(), null);
        var missing = UpdateDecider.Decide(pinned with { PinnedVersion = "9.9.9" }, [rollout], fleet, [V1, V2], new HashSet<string>(), null);

        Assert.Equal(V1, decision.Offer);
        Assert.Equal(DecisionRule.Pinned, decision.Rule);
        Assert.Null(onIt.Offer);
        Assert.Equal(DecisionRule.Pinned, onIt.Rule);
        Assert.Null(missing.Offer);
        Assert.Contains("no 9.9.9", missing.Reasons[0]);
    }

    [Fact]
    public void Decide_RejectedFirmware_IsNotOfferedAgain()
    {
        var fleet = Fleet(4);
        var rollout = Start(stages: [new(Percent: 100)]);

        var decision = UpdateDecider.Decide(fleet[0], [rollout], fleet, [V1, V2], new HashSet<string> { V2.Sha256 }, null);

        Assert.Null(decision.Offer);
        Assert.Contains("rolled back from 2.0.0", decision.Reasons[0]);
    }

    [Fact]
    public void RollBackAction_OffersThePreviousReleaseToDevicesThatTookThisOne()
    {
        var fleet = Fleet(10);
        var rollout = Start(stages: [new(Percent: 100)]);
        AdmitReached(rollout, fleet);
        Report(rollout, "dev-000", DeviceReportKind.Confirmed);
        var updated = fleet.Select(d => d.Id == "dev-000" ? d with { Version = "2.0.0" } : d).ToList();

        rollout.RollBack(_time.GetUtcNow());
        var back = Decide(updated[0], updated, rollout);
        var untouched = Decide(updated[1], updated, rollout);
        rollout.Observe("dev-000", new DeviceReport(DeviceReportKind.Confirmed, "1.0.0", V1.Sha256), _time.GetUtcNow());

        Assert.Equal(RolloutState.RollingBack, rollout.State);
        Assert.Equal(V1, back.Offer);
        Assert.Equal(DecisionRule.RollbackAction, back.Rule);
        Assert.Null(untouched.Offer);
        Assert.Equal(RolloutMemberStatus.Reverted, rollout.MemberOf("dev-000")!.Status);
        Assert.Throws<RolloutTransitionException>(() => rollout.RollBack(_time.GetUtcNow()));
    }

    [Fact]
    public void Decide_NewestOfferingRolloutWins_AndNeverDowngrades()
    {
        var fleet = Fleet(4, version: "2.0.0");
        var old = Rollout.Create("old", "v1", V1, new(), [new(Percent: 100)], new(), _time.GetUtcNow());

        var decision = UpdateDecider.Decide(fleet[0], [old], fleet, [V1, V2], new HashSet<string>(), null);

        Assert.Null(decision.Offer);
        Assert.Contains("older than", decision.Reasons[0]);
    }

    [Fact]
    public void Observe_IgnoresReportsAboutOtherFirmware_AndNonMembers()
    {
        var fleet = Fleet(10);
        var rollout = Start(stages: [new(Percent: 100)]);
        AdmitReached(rollout, fleet);

        Assert.False(rollout.Observe("dev-000", new DeviceReport(DeviceReportKind.RolledBack, "3.0.0", new string('3', 64)), _time.GetUtcNow()));
        Assert.False(rollout.Observe("stranger", new DeviceReport(DeviceReportKind.RolledBack, "2.0.0", V2.Sha256), _time.GetUtcNow()));
        Assert.True(rollout.Observe("dev-000", new DeviceReport(DeviceReportKind.Downloading, "2.0.0", V2.Sha256), _time.GetUtcNow()));
        Assert.Equal(RolloutMemberStatus.InProgress, rollout.MemberOf("dev-000")!.Status);
    }

    [Fact]
    public void Observe_ConfirmedMembersFailedCheck_IsNoInstallFailure_AndDoesNotHalt()
    {
        // What a simulated device (and a device's app) reports when a later update check fails: Failed,
        // about the version it runs, with no image hash. Once it confirmed the release, that is no failure
        // of the rollout's image; a failure naming the image still counts.
        var fleet = Fleet(4);
        var rollout = Start(gate: new RolloutGate(AdvanceConfirmedPercent: 100, SoakSeconds: 0, HaltFailurePercent: 20), stages: [new(Percent: 100)]);
        AdmitReached(rollout, fleet);
        var now = _time.GetUtcNow();
        foreach (var device in fleet)
        {
            Assert.True(rollout.Observe(device.Id, new DeviceReport(DeviceReportKind.Confirmed, "2.0.0", V2.Sha256), now));
        }

        Assert.False(rollout.Observe("dev-000", new DeviceReport(DeviceReportKind.Failed, "2.0.0", null, "update check failed: the server answered 429 Too Many Requests"), now));
        rollout.Evaluate(now, fleet);
        Assert.Equal((RolloutMemberStatus.Confirmed, RolloutState.Completed), (rollout.MemberOf("dev-000")!.Status, rollout.State));

        Assert.True(rollout.Observe("dev-001", new DeviceReport(DeviceReportKind.Failed, "2.0.0", V2.Sha256, "flash write failed"), now));
        Assert.Equal(RolloutMemberStatus.Failed, rollout.MemberOf("dev-001")!.Status);

        // Before it confirmed, a failure about the release's version counts, hash or not.
        var fresh = Start(stages: [new(Percent: 100)]);
        AdmitReached(fresh, fleet);
        Assert.True(fresh.Observe("dev-002", new DeviceReport(DeviceReportKind.Failed, "2.0.0", null, "self-test failed"), now));
        Assert.Equal(RolloutMemberStatus.Failed, fresh.MemberOf("dev-002")!.Status);
    }

    private static UpdateDecision Decide(DeviceFacts device, List<DeviceFacts> fleet, Rollout rollout) =>
        UpdateDecider.Decide(device, [rollout], fleet, [V1, V2], new HashSet<string>(), null);
}
