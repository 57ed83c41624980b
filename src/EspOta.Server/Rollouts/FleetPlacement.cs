using System.Collections;
using System.Collections.Concurrent;
using System.Collections.Immutable;

namespace EspOta.Server.Rollouts;

/// <summary>
/// What places devices in rollout stages, kept between update checks: each device's id, project, chip
/// and labels, and each rollout's stage assignment. A check reads one counter row (migration
/// 0101_fleet_version, moved by triggers on every change that can move a device between stages); while
/// it stands still nothing is read again, and when it moves only the devices changed since are read.
/// Decisions are the ones <see cref="Rollout.StagesOf"/> over the whole device list gives — placement
/// uses exactly these facts, and the device versions it leaves out play no part in it.
/// </summary>
internal sealed class FleetPlacement(IRolloutStore store)
{
    private readonly SemaphoreSlim _refresh = new(1, 1);
    private readonly ConcurrentDictionary<string, Assignment> _assignments = new(StringComparer.Ordinal);
    private Snapshot _snapshot = Snapshot.Empty;

    /// <summary>The fleet as of now (one counter read when nothing changed).</summary>
    public async Task<Snapshot> CurrentAsync(CancellationToken cancellationToken)
    {
        // The counter first, then the rows: rows read after it can only be newer than it says, so a
        // snapshot is never older than the counter value it is filed under.
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
            if (current.Version.Version >= version.Version && current.Version.LabelsVersion >= version.LabelsVersion)
            {
                return current;
            }

            var changed = await store.DevicesPlacedAfterAsync(current.Version.Version, cancellationToken).ConfigureAwait(false);
            bool relabelled = version.LabelsVersion != current.Version.LabelsVersion || current == Snapshot.Empty;
            var labels = relabelled ? await store.LabelsAsync(cancellationToken).ConfigureAwait(false) : current.Labels;

            // Immutable maps: a device checking in for the first time costs O(log n) here, not a copy
            // of the fleet (a check-in storm would otherwise be quadratic). Labels changing rebuilds all.
            var devices = current.Devices.SetItems(changed.Select(d => KeyValuePair.Create(d.Id, d)));
            var facts = relabelled
                ? devices.ToImmutableDictionary(p => p.Key, p => WithLabels(p.Value, labels), StringComparer.Ordinal)
                : current.Facts.SetItems(changed.Select(d => KeyValuePair.Create(d.Id, WithLabels(d, labels))));
            var next = new Snapshot(version, devices, labels, facts);
            Volatile.Write(ref _snapshot, next);
            return next;
        }
        finally
        {
            _refresh.Release();
        }
    }

    /// <summary>
    /// The stage of <paramref name="device"/> (not a member of <paramref name="rollout"/>, in its audience)
    /// when it is checking: the same as <c>rollout.StagesOf(fleet with the device's stored facts
    /// replaced by <paramref name="device"/>)</c>.
    /// </summary>
    public int StageOf(Rollout rollout, Snapshot fleet, DeviceFacts device)
    {
        if (fleet.Facts.GetValueOrDefault(device.Id) is not { } stored || !rollout.Includes(stored) || !rollout.Includes(device))
        {
            // The checking device joins (or leaves) the audience with this check: a population no cached
            // assignment describes. Its first check after it appears; the counter has moved by the next.
            var population = fleet.Facts.Values.Where(d => d.Id != device.Id).Append(device);
            return rollout.StagesOf(population).GetValueOrDefault(device.Id, -1);
        }

        var assignment = _assignments.GetValueOrDefault(rollout.Id);
        if (assignment is null || assignment.Version != fleet.Version.Version || !assignment.Covers(rollout))
        {
            // The population: the audience among the fleet, plus every member (who keep their place).
            var audience = fleet.Facts.Values.Where(rollout.Includes).Select(d => d.Id).Concat(rollout.Members.Select(m => m.DeviceId));
            var ids = new HashSet<string>(audience, StringComparer.Ordinal);
            assignment = new Assignment(fleet.Version.Version, ids, rollout.Members.Count, RolloutBucketing.Assign(rollout.Id, rollout.Stages, ids));
            _assignments[rollout.Id] = assignment;
        }

        return assignment.Stages.GetValueOrDefault(device.Id, -1);
    }

    private static DeviceFacts WithLabels(DeviceFacts device, IReadOnlyDictionary<string, DeviceLabels> labels)
    {
        var label = labels.GetValueOrDefault(device.Id);
        return device with { Group = label?.Group, Tags = label?.Tags ?? [], PinnedVersion = label?.PinnedVersion };
    }

    /// <summary>The placement facts of the whole fleet at one counter value.</summary>
    /// <param name="version">The counter values the facts are as of.</param>
    /// <param name="devices">Id, project and chip of every device.</param>
    /// <param name="labels">Every device's labels.</param>
    /// <param name="facts">Devices with their labels (no versions).</param>
    internal sealed class Snapshot(
        FleetVersion version,
        ImmutableDictionary<string, DeviceFacts> devices,
        IReadOnlyDictionary<string, DeviceLabels> labels,
        ImmutableDictionary<string, DeviceFacts> facts)
    {
        public static Snapshot Empty { get; } = new(
            new FleetVersion(-1, -1),
            ImmutableDictionary.Create<string, DeviceFacts>(StringComparer.Ordinal),
            new Dictionary<string, DeviceLabels>(),
            ImmutableDictionary.Create<string, DeviceFacts>(StringComparer.Ordinal));

        public FleetVersion Version { get; } = version;

        public ImmutableDictionary<string, DeviceFacts> Devices { get; } = devices;

        public IReadOnlyDictionary<string, DeviceLabels> Labels { get; } = labels;

        public ImmutableDictionary<string, DeviceFacts> Facts { get; } = facts;

        /// <summary>The facts as a list, made on first use (a check placed from the cache never needs it).</summary>
        public IReadOnlyList<DeviceFacts> List { get; } = new LazyList(facts);
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

    /// <summary>One rollout's stage per device of a population (rollouts never change stages or target once made).</summary>
    private sealed class Assignment(long version, HashSet<string> population, int members, Dictionary<string, int> stages)
    {
        private int _members = members;

        public long Version { get; } = version;

        public Dictionary<string, int> Stages { get; } = stages;

        /// <summary>
        /// Whether the rollout's members are all in the population (members are only ever added, and
        /// are normally audience devices already, so a new member rarely changes the population).
        /// </summary>
        public bool Covers(Rollout rollout)
        {
            int count = rollout.Members.Count;
            if (count == Volatile.Read(ref _members))
            {
                return true;
            }

            if (rollout.Members.Any(m => !population.Contains(m.DeviceId)))
            {
                return false;
            }

            Volatile.Write(ref _members, count);
            return true;
        }
    }
}
