namespace EspOta.Server.Rollouts;

/// <summary>
/// How a rollout's population falls into its stages by bucketing alone (members not yet put back at the
/// stage that admitted them): what the gates need without a map of every device.
/// </summary>
/// <param name="Population">How many devices the population holds (audience and members).</param>
/// <param name="Counts">How many of them each stage holds.</param>
/// <param name="StageOf">One device's stage: 0-based, or -1 (no stage covers it, or not in the population).</param>
internal readonly record struct StagePlacement(int Population, int[] Counts, Func<string, int> StageOf)
{
    /// <summary>The placement a full assignment (device → stage) describes.</summary>
    public static StagePlacement Of(Dictionary<string, int> assigned, int stages)
    {
        var counts = new int[stages];
        foreach (int stage in assigned.Values)
        {
            if (stage >= 0 && stage < stages)
            {
                counts[stage]++;
            }
        }

        return new StagePlacement(assigned.Count, counts, id => assigned.GetValueOrDefault(id, -1));
    }
}
