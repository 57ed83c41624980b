using EspOta.Boot;
using EspOta.Flash;
using EspOta.Images;
using EspOta.Partitions;

namespace EspOta.Torture;

/// <summary>
/// Reuses a verdict when the partition's sectors carry exactly the content tokens they had when it
/// was computed, i.e. when not one byte of the partition changed; anything else is verified for real
/// on the flash it is given.
/// </summary>
internal sealed class CachingImageValidator(IAppImageValidator inner, bool enabled = true) : IAppImageValidator
{
    private const int MaxEntriesPerPartition = 16;

    private readonly Dictionary<(uint Offset, uint Size), List<(long[] Tokens, AppImageValidation Verdict)>> _cache = [];

    public long Hits { get; private set; }

    public long Misses { get; private set; }

    public AppImageValidation Validate(IFlash flash, Partition partition)
    {
        var torture = flash as TortureFlash ?? (flash as FaultInjectingFlash)?.Inner as TortureFlash;
        if (!enabled || torture is null || partition.Size == 0 || partition.End > torture.Size)
        {
            Misses++;
            return inner.Validate(flash, partition);
        }

        var tokens = torture.TokensOf(partition.Offset, partition.Size);
        var key = (partition.Offset, partition.Size);
        if (!_cache.TryGetValue(key, out var entries))
        {
            entries = [];
            _cache[key] = entries;
        }

        foreach (var (cached, verdict) in entries)
        {
            if (tokens.SequenceEqual(cached))
            {
                Hits++;
                return verdict;
            }
        }

        Misses++;
        var fresh = inner.Validate(flash, partition);
        if (entries.Count >= MaxEntriesPerPartition)
        {
            entries.RemoveAt(0);
        }

        entries.Add((tokens.ToArray(), fresh));
        return fresh;
    }
}
