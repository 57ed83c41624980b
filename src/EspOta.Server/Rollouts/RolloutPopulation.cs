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
    /// The population's placement by bucketing (what <see cref="Rollout.EvaluateWith"/> takes): sizes from
    /// the count alone, a device's stage by one binary search. Valid until the population next changes.
    /// </summary>
    public StagePlacement Placement()
    {
        var sizes = RolloutBucketing.CumulativeSizes(_stages, _sorted.Count);
        var counts = new int[sizes.Length];
        for (int i = 0; i < sizes.Length; i++)
        {
            counts[i] = sizes[i] - (i == 0 ? 0 : sizes[i - 1]);
        }

        return new StagePlacement(_sorted.Count, counts, id => _keys.TryGetValue(id, out ulong key) ? StageAt(_sorted.BinarySearch(new Entry(key, id)), sizes) : -1);
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
