using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text;

namespace EspOta.Server.Rollouts;

/// <summary>
/// Deterministic stage assignment. Each device gets a key from SHA-256(rollout id, device id); the
/// target population sorted by key is cut at the (cumulative) stage sizes. A device's key never
/// changes, so when the percentages grow the cut only moves right: a device stays in the stage that
/// first covered it, and a different rollout id shuffles the fleet anew (the same devices are not
/// always first).
/// </summary>
public static class RolloutBucketing
{
    /// <summary>The device's key within the rollout.</summary>
    public static ulong Key(string rolloutId, string deviceId)
    {
        Span<byte> hash = stackalloc byte[32];
        // The separator keeps ("ab","c") and ("a","bc") apart; ids cannot contain a NUL.
        SHA256.HashData(Encoding.UTF8.GetBytes(rolloutId + "\0" + deviceId), hash);
        return BinaryPrimitives.ReadUInt64BigEndian(hash);
    }

    /// <summary>Cumulative stage sizes for a population of <paramref name="population"/> devices (never decreasing).</summary>
    public static int[] CumulativeSizes(IReadOnlyList<RolloutStage> stages, int population)
    {
        var sizes = new int[stages.Count];
        int previous = 0;
        for (int i = 0; i < stages.Count; i++)
        {
            previous = Math.Max(previous, stages[i].SizeFor(population));
            sizes[i] = previous;
        }

        return sizes;
    }

    /// <summary>
    /// Stage of every device of <paramref name="population"/> (device id → 0-based stage, or -1 when
    /// the last stage does not cover it).
    /// </summary>
    public static Dictionary<string, int> Assign(string rolloutId, IReadOnlyList<RolloutStage> stages, IEnumerable<string> population)
    {
        var ordered = population.Distinct(StringComparer.Ordinal)
            .Select(id => (Id: id, Key: Key(rolloutId, id)))
            .OrderBy(d => d.Key)
            .ThenBy(d => d.Id, StringComparer.Ordinal)
            .ToList();
        var sizes = CumulativeSizes(stages, ordered.Count);
        var result = new Dictionary<string, int>(ordered.Count, StringComparer.Ordinal);
        int stage = 0;
        for (int rank = 0; rank < ordered.Count; rank++)
        {
            while (stage < sizes.Length && rank >= sizes[stage])
            {
                stage++;
            }

            result[ordered[rank].Id] = stage < sizes.Length ? stage : -1;
        }

        return result;
    }
}
