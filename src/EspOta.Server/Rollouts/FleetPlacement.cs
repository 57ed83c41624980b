using System.Collections;
using System.Collections.Immutable;

namespace EspOta.Server.Rollouts;

/// <summary>
/// What places devices in rollout stages, kept between update checks: each device's id, project, chip
/// and labels; every rollout (without its history) with its members; and each rollout's population
/// sorted for stage assignment (<see cref="RolloutPopulation"/>). A check reads one row of counters
/// (migrations 0101_fleet_version and 0102_rollout_version, moved by triggers); while they stand still
/// nothing is read again, and when they move only the devices and members changed since are read and
/// only they move in the populations. Decisions are the ones <see cref="Rollout.StagesOf"/> over the
/// whole device list gives — placement uses exactly these facts, and the device versions it leaves out
/// play no part in it.
/// </summary>
internal sealed class FleetPlacement(IRolloutStore store)
{
    private static readonly ImmutableDictionary<string, RolloutMember> NoMembers = ImmutableDictionary.Create<string, RolloutMember>(StringComparer.Ordinal);

    private readonly SemaphoreSlim _refresh = new(1, 1);

    // Guards the populations and the snapshot they were kept for: readers place devices under it
    // with the newest snapshot, so a population never describes another fleet than the one read with it.
    private readonly object _gate = new();
    private readonly Dictionary<string, RolloutPopulation> _populations = new(StringComparer.Ordinal);
    private Snapshot _snapshot = Snapshot.Empty;

    /// <summary>The fleet and the rollouts as of now (one counter read when nothing changed).</summary>
    public async Task<Snapshot> CurrentAsync(CancellationToken cancellationToken)
    {
        // The counters first, then the rows: rows read after them can only be newer than they say, so a
        // snapshot is never older than the counter values it is filed under.
        var version = await store.FleetVersionAsync(cancellationToken).ConfigureAwait(false);
        var current = Volatile.Read(ref _snapshot);
        if (current.Version == version)
        {
            return current;
        }

        await _refresh.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            current = _snapshot;
            var had = current.Version;
            if (had.Version >= version.Version && had.LabelsVersion >= version.LabelsVersion
                && had.RolloutsVersion >= version.RolloutsVersion && had.MembersVersion >= version.MembersVersion)
            {
                return current;
            }

            bool first = current == Snapshot.Empty;
            var changed = first || version.Version != had.Version
                ? await store.DevicesPlacedAfterAsync(had.Version, cancellationToken).ConfigureAwait(false)
                : [];
            bool relabelled = first || version.LabelsVersion != had.LabelsVersion;
            var labels = relabelled ? await store.LabelsAsync(cancellationToken).ConfigureAwait(false) : current.Labels;
            var rollouts = first || version.RolloutsVersion != had.RolloutsVersion
                ? await store.HeadersAsync(cancellationToken).ConfigureAwait(false)
                : current.Rollouts;
            var changedMembers = first || version.MembersVersion != had.MembersVersion
                ? await store.MembersChangedAfterAsync(had.MembersVersion, cancellationToken).ConfigureAwait(false)
                : [];

            // Immutable maps: a device checking in for the first time costs O(log n) here, not a copy
            // of the fleet (a check-in storm would otherwise be quadratic). Labels changing rebuilds all.
            var devices = current.Devices.SetItems(changed.Select(d => KeyValuePair.Create(d.Id, d)));
            var facts = relabelled
                ? devices.ToImmutableDictionary(p => p.Key, p => WithLabels(p.Value, labels), StringComparer.Ordinal)
                : current.Facts.SetItems(changed.Select(d => KeyValuePair.Create(d.Id, WithLabels(d, labels))));
            var members = current.Members;
            foreach (var group in changedMembers.GroupBy(m => m.RolloutId, StringComparer.Ordinal))
            {
                var of = members.GetValueOrDefault(group.Key) ?? NoMembers;
                members = members.SetItem(group.Key, of.SetItems(group.Select(m => KeyValuePair.Create(m.Member.DeviceId, m.Member))));
            }

            var next = new Snapshot(version, devices, labels, facts, rollouts, members);
            lock (_gate)
            {
                foreach (var rollout in rollouts)
                {
                    var of = members.GetValueOrDefault(rollout.Id) ?? NoMembers;
                    if (relabelled || !_populations.TryGetValue(rollout.Id, out var population))
                    {
                        // A new rollout, or labels moved devices in and out of audiences: placed anew, once.
                        var audience = facts.Values.Where(rollout.Includes).Select(d => d.Id).Concat(of.Keys);
                        _populations[rollout.Id] = new RolloutPopulation(rollout.Id, rollout.Stages, audience);
                        continue;
                    }

                    foreach (var device in changed)
                    {
                        population.Set(device.Id, of.ContainsKey(device.Id) || rollout.Includes(facts[device.Id]));
                    }

                    foreach (var (rolloutId, member) in changedMembers)
                    {
                        if (rolloutId == rollout.Id)
                        {
                            population.Set(member.DeviceId, true);
                        }
                    }
                }

                Volatile.Write(ref _snapshot, next);
            }

            return next;
        }
        finally
        {
            _refresh.Release();
        }
    }

    /// <summary>
    /// Runs <paramref name="use"/> with the newest snapshot while no refresh can move the populations:
    /// <see cref="StageOf"/> and <see cref="WithPlacement"/> are for use inside it (or on their own).
    /// </summary>
    public T Read<T>(Func<Snapshot, T> use)
    {
        lock (_gate)
        {
            return use(_snapshot);
        }
    }

    /// <summary>
    /// Fresh copies (members included, no history) of the rollouts <paramref name="which"/> picks, as of
    /// now: for changing them under the store's lock, which makes "now" everything committed.
    /// </summary>
    public async Task<IReadOnlyList<Rollout>> LoadAsync(Func<Rollout, Snapshot, bool> which, CancellationToken cancellationToken)
    {
        await CurrentAsync(cancellationToken).ConfigureAwait(false);
        return Read(s => s.Rollouts.Where(r => which(r, s)).Select(r => r.WithMembers(s.MembersOf(r.Id))).ToList());
    }

    /// <summary>
    /// The stage of <paramref name="device"/> in <paramref name="rollout"/> when it is checking: the same as
    /// <c>rollout.StagesOf(fleet with the device's stored facts replaced by <paramref name="device"/>)</c>.
    /// </summary>
    public int StageOf(Rollout rollout, DeviceFacts device)
    {
        if (rollout.MemberOf(device.Id) is { } member)
        {
            return member.Stage;
        }

        if (!rollout.Includes(device))
        {
            // Not a member and, with the facts it checks with, outside the audience: in no population.
            return -1;
        }

        lock (_gate)
        {
            // In the population already (its stored facts are in the audience), or joining it with this check.
            return _populations[rollout.Id].StageWith(device.Id);
        }
    }

    /// <summary>
    /// Runs <paramref name="use"/> with the placement of <paramref name="rollout"/>'s population (a copy
    /// from <see cref="LoadAsync"/>) while no refresh can move it: what bucketing gives over every device.
    /// </summary>
    public T WithPlacement<T>(Rollout rollout, Func<StagePlacement, T> use)
    {
        lock (_gate)
        {
            return use(_populations[rollout.Id].Placement());
        }
    }

    private static DeviceFacts WithLabels(DeviceFacts device, IReadOnlyDictionary<string, DeviceLabels> labels)
    {
        var label = labels.GetValueOrDefault(device.Id);
        return device with { Group = label?.Group, Tags = label?.Tags ?? [], PinnedVersion = label?.PinnedVersion };
    }

    /// <summary>The placement facts of the whole fleet and the rollouts at one set of counter values.</summary>
    /// <param name="version">The counter values the facts are as of.</param>
    /// <param name="devices">Id, project and chip of every device.</param>
    /// <param name="labels">Every device's labels.</param>
    /// <param name="facts">Devices with their labels (no versions).</param>
    /// <param name="rollouts">Every rollout, oldest first, without members or history (never changed: copies are).</param>
    /// <param name="members">Each rollout's members by device id.</param>
    internal sealed class Snapshot(
        FleetVersion version,
        ImmutableDictionary<string, DeviceFacts> devices,
        IReadOnlyDictionary<string, DeviceLabels> labels,
        ImmutableDictionary<string, DeviceFacts> facts,
        IReadOnlyList<Rollout> rollouts,
        ImmutableDictionary<string, ImmutableDictionary<string, RolloutMember>> members)
    {
        public static Snapshot Empty { get; } = new(
            new FleetVersion(-1, -1, -1, -1),
            ImmutableDictionary.Create<string, DeviceFacts>(StringComparer.Ordinal),
            new Dictionary<string, DeviceLabels>(),
            ImmutableDictionary.Create<string, DeviceFacts>(StringComparer.Ordinal),
            [],
            ImmutableDictionary.Create<string, ImmutableDictionary<string, RolloutMember>>(StringComparer.Ordinal));

        public FleetVersion Version { get; } = version;

        public ImmutableDictionary<string, DeviceFacts> Devices { get; } = devices;

        public IReadOnlyDictionary<string, DeviceLabels> Labels { get; } = labels;

        public ImmutableDictionary<string, DeviceFacts> Facts { get; } = facts;

        public IReadOnlyList<Rollout> Rollouts { get; } = rollouts;

        /// <summary>The facts as a list, made on first use (a check placed from the cache never needs it).</summary>
        public IReadOnlyList<DeviceFacts> List { get; } = new LazyList(facts);

        /// <summary>The members of every rollout.</summary>
        public ImmutableDictionary<string, ImmutableDictionary<string, RolloutMember>> Members { get; } = members;

        /// <summary>The members of one rollout.</summary>
        public ImmutableDictionary<string, RolloutMember> MembersOf(string rolloutId) => Members.GetValueOrDefault(rolloutId) ?? NoMembers;
    }

    /// <summary>A list of the facts' values, materialized when first read.</summary>
    private sealed class LazyList(ImmutableDictionary<string, DeviceFacts> facts) : IReadOnlyList<DeviceFacts>
    {
        private DeviceFacts[]? _items;

        public int Count => facts.Count;

        public DeviceFacts this[int index] => Items[index];

        private DeviceFacts[] Items => LazyInitializer.EnsureInitialized(ref _items, () => [.. facts.Values]);

        public IEnumerator<DeviceFacts> GetEnumerator() => ((IEnumerable<DeviceFacts>)Items).GetEnumerator();

        IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();
    }
}
