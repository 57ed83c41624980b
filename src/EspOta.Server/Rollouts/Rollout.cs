using System.Collections;
using System.Collections.Immutable;
using System.Globalization;
using EspOta.Http;

namespace EspOta.Server.Rollouts;

/// <summary>
/// A staged rollout of one firmware to a target: its stages and gate, where it stands, the devices it
/// let in and what they reported. Plain state and rules, no storage and no HTTP: the store loads it,
/// calls one method with the current time and saves it.
/// </summary>
public sealed class Rollout
{
    // A builder over an immutable map: a copy from the server's cache costs nothing, however many members.
    private readonly ImmutableDictionary<string, RolloutMember>.Builder _members;
    private readonly List<RolloutEvent> _events;
    private readonly HashSet<string> _changedMembers = new(StringComparer.Ordinal);
    private int _savedEvents;

    /// <summary>Restores a rollout as it was saved.</summary>
    public Rollout(
        string id,
        string name,
        RolloutFirmware firmware,
        RolloutTarget target,
        IReadOnlyList<RolloutStage> stages,
        RolloutGate gate,
        DateTimeOffset createdAt,
        RolloutState state,
        int currentStage,
        DateTimeOffset stageStartedAt,
        string? haltReason,
        DateTimeOffset? failuresAcknowledgedAt,
        IEnumerable<RolloutMember> members,
        IEnumerable<RolloutEvent> events)
        : this(id, name, firmware, target, stages, gate, createdAt, state, currentStage, stageStartedAt, haltReason, failuresAcknowledgedAt, Build(members), events)
    {
    }

    private Rollout(
        string id,
        string name,
        RolloutFirmware firmware,
        RolloutTarget target,
        IReadOnlyList<RolloutStage> stages,
        RolloutGate gate,
        DateTimeOffset createdAt,
        RolloutState state,
        int currentStage,
        DateTimeOffset stageStartedAt,
        string? haltReason,
        DateTimeOffset? failuresAcknowledgedAt,
        ImmutableDictionary<string, RolloutMember> members,
        IEnumerable<RolloutEvent> events)
    {
        Id = id;
        Name = name;
        Firmware = firmware;
        Target = target;
        Stages = stages;
        Gate = gate;
        CreatedAt = createdAt;
        State = state;
        CurrentStage = currentStage;
        StageStartedAt = stageStartedAt;
        HaltReason = haltReason;
        FailuresAcknowledgedAt = failuresAcknowledgedAt;
        _members = members.ToBuilder();
        _events = events.ToList();
        _savedEvents = _events.Count;
    }

    /// <summary>The rollout id (URL-safe).</summary>
    public string Id { get; }

    /// <summary>A name for people.</summary>
    public string Name { get; }

    /// <summary>What it deploys.</summary>
    public RolloutFirmware Firmware { get; }

    /// <summary>To whom, besides the firmware's project and chip.</summary>
    public RolloutTarget Target { get; }

    /// <summary>The stages, cumulative.</summary>
    public IReadOnlyList<RolloutStage> Stages { get; }

    /// <summary>The gate every stage must pass.</summary>
    public RolloutGate Gate { get; }

    /// <summary>When it was created.</summary>
    public DateTimeOffset CreatedAt { get; }

    /// <summary>Its state.</summary>
    public RolloutState State { get; private set; }

    /// <summary>The 0-based index of the stage reached.</summary>
    public int CurrentStage { get; private set; }

    /// <summary>When the current stage started (or the rollout was last resumed): the soak time counts from here.</summary>
    public DateTimeOffset StageStartedAt { get; private set; }

    /// <summary>Why the rollout halted, while it is halted.</summary>
    public string? HaltReason { get; private set; }

    /// <summary>Failures that changed before this moment were seen by the operator who resumed the rollout: they no longer halt it.</summary>
    public DateTimeOffset? FailuresAcknowledgedAt { get; private set; }

    /// <summary>The devices it let in.</summary>
    public IReadOnlyCollection<RolloutMember> Members => new MemberValues(_members);

    /// <summary>The members as an immutable map (a snapshot: later changes to this rollout do not show in it).</summary>
    internal ImmutableDictionary<string, RolloutMember> MemberMap => _members.ToImmutable();

    /// <summary>Its history, oldest first.</summary>
    public IReadOnlyList<RolloutEvent> Events => _events;

    /// <summary>Whether the firmware is being offered (running, or completed and still offered to late devices).</summary>
    public bool IsOffering => State is RolloutState.Running or RolloutState.Completed;

    /// <summary>
    /// A fresh copy of this rollout's state with <paramref name="members"/> as its members and no
    /// history (what the store saves of it is then only what changes from here).
    /// </summary>
    internal Rollout WithMembers(ImmutableDictionary<string, RolloutMember> members) =>
        new(Id, Name, Firmware, Target, Stages, Gate, CreatedAt, State, CurrentStage, StageStartedAt, HaltReason, FailuresAcknowledgedAt, members, []);

    /// <summary>Starts a rollout at its first stage.</summary>
    /// <exception cref="ArgumentException">The stages or the gate are invalid (<see cref="Validate"/>).</exception>
    public static Rollout Create(string id, string name, RolloutFirmware firmware, RolloutTarget target, IReadOnlyList<RolloutStage> stages, RolloutGate gate, DateTimeOffset now)
    {
        var problems = Validate(stages, gate);
        if (problems.Count > 0)
        {
            throw new ArgumentException(string.Join("; ", problems), nameof(stages));
        }

        var rollout = new Rollout(id, name, firmware, target, stages.ToArray(), gate, now, RolloutState.Running, 0, now, null, null, Build([]), []);
        rollout._savedEvents = 0;
        rollout.Log(now, "created", $"{firmware} to {target}, stages {string.Join(" → ", stages)}, gate: ≥ {gate.AdvanceConfirmedPercent:0.##} % confirmed and {gate.SoakSeconds:0.##} s soak, halt above {gate.HaltFailurePercent:0.##} % failed or rolled back");
        return rollout;
    }

    /// <summary>Everything wrong with a stage list and gate (empty when valid).</summary>
    public static IReadOnlyList<string> Validate(IReadOnlyList<RolloutStage>? stages, RolloutGate? gate)
    {
        var problems = new List<string>();
        if (stages is null || stages.Count == 0)
        {
            problems.Add("a rollout needs at least one stage");
            return problems;
        }

        if (stages.Count > 20)
        {
            problems.Add($"{stages.Count} stages: at most 20");
        }

        for (int i = 0; i < stages.Count; i++)
        {
            if (stages[i] is null)
            {
                problems.Add($"stage {i + 1} is null");
            }
            else if (stages[i].Problem() is { } problem)
            {
                problems.Add($"stage {i + 1}: {problem}");
            }
        }

        if (problems.Count == 0)
        {
            for (int i = 1; i < stages.Count; i++)
            {
                var (a, b) = (stages[i - 1], stages[i]);
                if ((a.Percent is { } pa && b.Percent is { } pb && pb <= pa) || (a.Count is { } ca && b.Count is { } cb && cb <= ca))
                {
                    problems.Add($"stage {i + 1} ({b}) does not grow beyond stage {i} ({a})");
                }
            }
        }

        if (gate is null)
        {
            problems.Add("a rollout needs a gate");
        }
        else if (gate.Problem() is { } gateProblem)
        {
            problems.Add(gateProblem);
        }

        return problems;
    }

    /// <summary>Whether the device is in the rollout's audience: the firmware's project and chip, and the target.</summary>
    public bool Includes(DeviceFacts device) =>
        device.Project == Firmware.Project && device.Chip == Firmware.Chip && Target.Matches(device);

    /// <summary>The member record of a device, or null.</summary>
    public RolloutMember? MemberOf(string deviceId) => _members.GetValueOrDefault(deviceId);

    /// <summary>
    /// The stage of every device of the audience among <paramref name="devices"/> (plus the members,
    /// who keep the stage that let them in): 0-based, or -1 when no stage covers it.
    /// </summary>
    public Dictionary<string, int> StagesOf(IEnumerable<DeviceFacts> devices)
    {
        var population = devices.Where(Includes).Select(d => d.Id).Concat(_members.Keys);
        var stages = RolloutBucketing.Assign(Id, Stages, population);
        foreach (var member in _members.Values)
        {
            stages[member.DeviceId] = member.Stage;
        }

        return stages;
    }

    /// <summary>Per-stage counts over the audience among <paramref name="devices"/>.</summary>
    public IReadOnlyList<RolloutStageProgress> Progress(IEnumerable<DeviceFacts> devices) => Progress(Bucketed(devices), null);

    /// <summary>The population among <paramref name="devices"/> placed by bucketing alone (members not put back).</summary>
    private StagePlacement Bucketed(IEnumerable<DeviceFacts> devices) =>
        StagePlacement.Of(RolloutBucketing.Assign(Id, Stages, devices.Where(Includes).Select(d => d.Id).Concat(_members.Keys)), Stages.Count);

    private RolloutStageProgress[] Progress(StagePlacement placement, DateTimeOffset? failuresSince)
    {
        // Over the members only, not the population (the gates run on every member's report): a stage
        // holds what bucketing puts there, less the members bucketing puts there, plus the members it admitted.
        int count = Stages.Count;
        var size = (int[])placement.Counts.Clone();
        var offered = new int[count];
        var inProgress = new int[count];
        var confirmed = new int[count];
        var failed = new int[count];
        var rolledBack = new int[count];
        foreach (var member in _members.Values)
        {
            int bucketed = placement.StageOf(member.DeviceId);
            if (bucketed >= 0 && bucketed < count)
            {
                size[bucketed]--;
            }

            int i = member.Stage;
            if (i < 0 || i >= count)
            {
                continue;
            }

            size[i]++;
            bool counts = failuresSince is null || member.UpdatedAt > failuresSince;
            switch (member.Status)
            {
                case RolloutMemberStatus.Offered: offered[i]++; break;
                case RolloutMemberStatus.InProgress: inProgress[i]++; break;
                case RolloutMemberStatus.Confirmed: confirmed[i]++; break;
                case RolloutMemberStatus.Failed when counts: failed[i]++; break;
                case RolloutMemberStatus.RolledBack or RolloutMemberStatus.Reverted when counts: rolledBack[i]++; break;
                default: offered[i]++; break;
            }
        }

        var result = new RolloutStageProgress[count];
        for (int i = 0; i < count; i++)
        {
            int waiting = size[i] - offered[i] - inProgress[i] - confirmed[i] - failed[i] - rolledBack[i];
            result[i] = new RolloutStageProgress(i, Stages[i].ToString(), size[i], waiting, offered[i], inProgress[i], confirmed[i], failed[i], rolledBack[i], i <= CurrentStage);
        }

        return result;
    }

    /// <summary>
    /// Applies the gates at <paramref name="now"/>: halts when a reached stage's failures and rollbacks
    /// pass the threshold, else advances while the current stage is confirmed enough and soaked long
    /// enough. Returns whether anything changed.
    /// </summary>
    public bool Evaluate(DateTimeOffset now, IEnumerable<DeviceFacts> devices) =>
        State == RolloutState.Running && EvaluateWith(now, Bucketed(devices));

    /// <summary>
    /// <see cref="Evaluate(DateTimeOffset, IEnumerable{DeviceFacts})"/> with the population's placement
    /// given: it must be bucketing's over the devices' audience and the members (the server keeps it,
    /// Rollouts/FleetPlacement).
    /// </summary>
    internal bool EvaluateWith(DateTimeOffset now, StagePlacement stages)
    {
        if (State != RolloutState.Running)
        {
            return false;
        }

        if (stages.Population == 0)
        {
            // No device of the target is known yet: empty stages must not pass their gates, or the
            // rollout would complete before the fleet checks in and then offer to everyone at once.
            return false;
        }

        var halting = Progress(stages, FailuresAcknowledgedAt);
        for (int i = 0; i <= CurrentStage; i++)
        {
            var stage = halting[i];
            if (stage.Failed + stage.RolledBack > 0 && stage.FailurePercent > Gate.HaltFailurePercent)
            {
                // A member's stage is the one that admitted it. Members enumerate in hash order (per process):
                // equal times are broken by id, so every server names the same device.
                var last = _members.Values
                    .Where(m => m.Stage == i && m.Status is RolloutMemberStatus.Failed or RolloutMemberStatus.RolledBack)
                    .OrderByDescending(m => m.UpdatedAt)
                    .ThenBy(m => m.DeviceId, StringComparer.Ordinal)
                    .FirstOrDefault();
                string lastText = last is null ? "" : $"; last: {last.DeviceId} {(last.Status == RolloutMemberStatus.Failed ? "failed" : "rolled back")}{(last.Reason is null ? "" : $": {last.Reason}")}";
                HaltReason = string.Create(
                    CultureInfo.InvariantCulture,
                    $"stage {i + 1} ({stage.Label}): {stage.Failed + stage.RolledBack} of {stage.Size} devices failed or rolled back ({stage.FailurePercent:0.#} %), above the {Gate.HaltFailurePercent:0.##} % threshold{lastText}");
                State = RolloutState.Halted;
                Log(now, "halted", HaltReason);
                return true;
            }
        }

        bool changed = false;
        while (true)
        {
            var progress = Progress(stages, null)[CurrentStage];
            var soaked = now - StageStartedAt;
            if (progress.ConfirmedPercent < Gate.AdvanceConfirmedPercent || soaked < Gate.Soak)
            {
                return changed;
            }

            string passed = string.Create(CultureInfo.InvariantCulture, $"stage {CurrentStage + 1} ({progress.Label}): {progress.Confirmed} of {progress.Size} confirmed ({progress.ConfirmedPercent:0.#} %), soaked {soaked.TotalSeconds:0} s");
            changed = true;
            if (CurrentStage == Stages.Count - 1)
            {
                State = RolloutState.Completed;
                Log(now, "completed", passed);
                return true;
            }

            CurrentStage++;
            StageStartedAt = now;
            Log(now, "advanced", $"{passed}; stage {CurrentStage + 1} ({Stages[CurrentStage]}) starts");
        }
    }

    /// <summary>Records that the device was offered the firmware by stage <paramref name="stage"/>.</summary>
    public void Admit(DeviceFacts device, int stage, DateTimeOffset now)
    {
        if (!_members.ContainsKey(device.Id))
        {
            _members[device.Id] = new RolloutMember(device.Id, stage, RolloutMemberStatus.Offered, device.Version, null, now);
            _changedMembers.Add(device.Id);
        }
    }

    /// <summary>
    /// Takes a device report into account (when it is from a member and about this firmware, or, while
    /// rolling back, about the release it is sent back to). Returns whether a member changed.
    /// </summary>
    public bool Observe(string deviceId, DeviceReport report, DateTimeOffset now)
    {
        if (!_members.TryGetValue(deviceId, out var member))
        {
            return false;
        }

        if (State == RolloutState.RollingBack && member.FromVersion is { } from && report.Kind == DeviceReportKind.Confirmed
            && report.Version == from && from != Firmware.Version)
        {
            _members[deviceId] = member with { Status = RolloutMemberStatus.Reverted, UpdatedAt = now };
            _changedMembers.Add(deviceId);
            return true;
        }

        bool aboutThis = report.Sha256 is { } sha ? string.Equals(sha, Firmware.Sha256, StringComparison.OrdinalIgnoreCase) : report.Version == Firmware.Version;
        if (!aboutThis)
        {
            return false;
        }

        RolloutMemberStatus? status = report.Kind switch
        {
            DeviceReportKind.Downloading or DeviceReportKind.Written or DeviceReportKind.Rebooting => RolloutMemberStatus.InProgress,
            DeviceReportKind.Booted when member.Status is RolloutMemberStatus.Offered or RolloutMemberStatus.InProgress => RolloutMemberStatus.InProgress,
            DeviceReportKind.Confirmed => RolloutMemberStatus.Confirmed,
            DeviceReportKind.RolledBack => RolloutMemberStatus.RolledBack,

            // A failure without the image's hash from a member that confirmed this release is about what
            // the device did while running it (an update check answered 429, say), not about installing it.
            DeviceReportKind.Failed when report.Sha256 is not null || member.Status != RolloutMemberStatus.Confirmed => RolloutMemberStatus.Failed,
            _ => null,
        };
        if (status is not { } s || (s == member.Status && report.Reason == member.Reason))
        {
            return false;
        }

        _members[deviceId] = member with
        {
            Status = s,
            Reason = s is RolloutMemberStatus.Failed or RolloutMemberStatus.RolledBack ? report.Reason : null,
            UpdatedAt = now,
        };
        _changedMembers.Add(deviceId);
        return true;
    }

    /// <summary>Stops new offers until <see cref="Resume"/>.</summary>
    public void Pause(DateTimeOffset now, string? why = null)
    {
        Require(State is RolloutState.Running or RolloutState.Completed, "pause");
        State = RolloutState.Paused;
        Log(now, "paused", why ?? "paused by an operator");
    }

    /// <summary>
    /// Continues a paused or halted rollout at its current stage; the soak time starts again, and
    /// failures seen so far no longer count towards the halt threshold (the operator has looked at them).
    /// </summary>
    public void Resume(DateTimeOffset now, string? why = null)
    {
        Require(State is RolloutState.Paused or RolloutState.Halted, "resume");
        if (State == RolloutState.Halted)
        {
            FailuresAcknowledgedAt = now;
        }

        State = RolloutState.Running;
        HaltReason = null;
        StageStartedAt = now;
        Log(now, "resumed", why ?? $"resumed at stage {CurrentStage + 1} ({Stages[CurrentStage]})");
    }

    /// <summary>Ends the rollout: no more offers; devices keep what they run.</summary>
    public void Cancel(DateTimeOffset now, string? why = null)
    {
        Require(State != RolloutState.Cancelled, "cancel");
        State = RolloutState.Cancelled;
        Log(now, "cancelled", why ?? "cancelled by an operator");
    }

    /// <summary>The roll-back action: from now on the devices that took this firmware are offered the release they ran before.</summary>
    public void RollBack(DateTimeOffset now, string? why = null)
    {
        Require(State is not (RolloutState.RollingBack), "roll back");
        int took = _members.Values.Count(m => m.Status is RolloutMemberStatus.Confirmed or RolloutMemberStatus.InProgress or RolloutMemberStatus.Offered);
        State = RolloutState.RollingBack;
        Log(now, "rollback", (why ?? "roll-back action by an operator") + $": {took} devices are sent back to the release they ran before");
    }

    /// <summary>For the store: the members changed and the events added since the rollout was loaded (or last taken); forgets them.</summary>
    public (IReadOnlyList<RolloutMember> Members, IReadOnlyList<RolloutEvent> Events) TakeChanges()
    {
        var members = _changedMembers.Select(id => _members[id]).ToList();
        var events = _events.Skip(_savedEvents).ToList();
        _changedMembers.Clear();
        _savedEvents = _events.Count;
        return (members, events);
    }

    private void Require(bool allowed, string action)
    {
        if (!allowed)
        {
            throw new RolloutTransitionException(Id, State, action);
        }
    }

    private static ImmutableDictionary<string, RolloutMember> Build(IEnumerable<RolloutMember> members)
    {
        var builder = ImmutableDictionary.CreateBuilder<string, RolloutMember>(StringComparer.Ordinal);
        foreach (var member in members)
        {
            // Add, not set: two rows for one device would be a broken store, as before.
            builder.Add(member.DeviceId, member);
        }

        return builder.ToImmutable();
    }

    private void Log(DateTimeOffset now, string kind, string detail) => _events.Add(new RolloutEvent(now, kind, detail));

    /// <summary>The members' values as a collection (a builder's values are only an enumerable).</summary>
    private sealed class MemberValues(ImmutableDictionary<string, RolloutMember>.Builder members) : IReadOnlyCollection<RolloutMember>
    {
        public int Count => members.Count;

        // Over a snapshot (ToImmutable is O(1)): changing a member while enumerating stays allowed, as with a Dictionary.
        public IEnumerator<RolloutMember> GetEnumerator() => members.ToImmutable().Values.GetEnumerator();

        IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();
    }
}
