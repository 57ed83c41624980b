namespace EspOta.Server.Rollouts;

/// <summary>
/// The population one rollout's stages are cut from (its audience among the fleet, plus its members),
/// kept sorted the way <see cref="RolloutBucketing.Assign"/> sorts it, so that a device's stage is one
/// binary search and a device arriving is one insertion (a copy of 16-byte entries, no hashing or
/// sorting of the fleet). Stages are <see cref="RolloutBucketing.Assign"/>'s exactly: the rank in this
/// order cut at <see cref="RolloutBucketing.CumulativeSizes"/> of the population's size.
/// Not thread-safe: FleetPlacement guards it.
/// </summary>
internal sealed class RolloutPopulation
{
    private readonly string _rolloutId;
    private readonly IReadOnlyList<RolloutStage> _stages;
    private readonly Dictionary<string, ulong> _keys = new(StringComparer.Ordinal);
    private readonly List<Entry> _sorted;

    /// <summary>A population of <paramref name="ids"/> (sorted once).</summary>
    public RolloutPopulation(string rolloutId, IReadOnlyList<RolloutStage> stages, IEnumerable<string> ids)
    {
        _rolloutId = rolloutId;
        _stages = stages;
        foreach (var id in ids)
        {
            if (!_keys.ContainsKey(id))
            {
                _keys[id] = RolloutBucketing.Key(rolloutId, id);
            }
        }

        _sorted = _keys.Select(p => new Entry(p.Value, p.Key)).ToList();
        _sorted.Sort();
    }

    /// <summary>How many devices it holds.</summary>
    public int Count => _sorted.Count;

    /// <summary>Whether the device is in it.</summary>
    public bool Contains(string id) => _keys.ContainsKey(id);

    /// <summary>Puts the device in (or takes it out of) the population.</summary>
    public void Set(string id, bool member)
    {
        if (member == _keys.ContainsKey(id))
        {
            return;
        }

        if (member)
        {
            ulong key = RolloutBucketing.Key(_rolloutId, id);
            var entry = new Entry(key, id);
            int at = _sorted.BinarySearch(entry);
            _sorted.Insert(~at, entry);
            _keys[id] = key;
        }
        else
        {
            int at = _sorted.BinarySearch(new Entry(_keys[id], id));
            _sorted.RemoveAt(at);
            _keys.Remove(id);
        }
    }

    /// <summary>
    /// The stage <see cref="RolloutBucketing.Assign"/> gives the device over this population, with the
    /// device added when it is not in it yet: 0-based, or -1 when no stage covers it.
    /// </summary>
    public int StageWith(string id)
    {
        var entry = new Entry(_keys.TryGetValue(id, out ulong known) ? known : RolloutBucketing.Key(_rolloutId, id), id);
        int at = _sorted.BinarySearch(entry);
        bool present = at >= 0;
        int rank = present ? at : ~at;
        return StageAt(rank, RolloutBucketing.CumulativeSizes(_stages, _sorted.Count + (present ? 0 : 1)));
    }

    /// <summary>
    /// Every device's stage, members at the stage that admitted them: what <see cref="Rollout.StagesOf"/>
    /// gives over the fleet this population was kept for (every member must be in it).
    /// </summary>
    public Dictionary<string, int> Stages(IEnumerable<RolloutMember> members)
    {
        var sizes = RolloutBucketing.CumulativeSizes(_stages, _sorted.Count);
        var result = new Dictionary<string, int>(_sorted.Count, StringComparer.Ordinal);
        int stage = 0;
        for (int rank = 0; rank < _sorted.Count; rank++)
        {
            while (stage < sizes.Length && rank >= sizes[stage])
            {
                stage++;
            }

            result[_sorted[rank].Id] = stage < sizes.Length ? stage : -1;
        }

        foreach (var member in members)
        {
            result[member.DeviceId] = member.Stage;
        }

        return result;
    }

    private static int StageAt(int rank, int[] sizes)
    {
        for (int stage = 0; stage < sizes.Length; stage++)
        {
            if (rank < sizes[stage])
            {
                return stage;
            }
        }

        return -1;
    }

    /// <summary>One device in bucketing order: by key, then by id (as Assign breaks ties).</summary>
    private readonly record struct Entry(ulong Key, string Id) : IComparable<Entry>
    {
        public int CompareTo(Entry other)
        {
            int byKey = Key.CompareTo(other.Key);
            return byKey != 0 ? byKey : string.CompareOrdinal(Id, other.Id);
        }
    }
}
