using EspOta.Flash;
using EspOta.Partitions;

namespace EspOta.Images;

/// <summary>
/// Wraps a validator and reuses a verdict while the partition's sectors carry exactly the content
/// tokens they had when it was computed (<see cref="IContentTrackingFlash"/>), i.e. while not one byte
/// of the partition changed; anything else — and any flash that keeps no tokens — is verified for real.
/// </summary>
/// <remarks>
/// The power-cut sweep verifies the same unchanged images millions of times; the bootloader and the
/// OTA code still call the validator on every boot, only the answer is remembered.
/// </remarks>
/// <param name="inner">The real policy (e.g. <see cref="EspImageValidator"/>).</param>
/// <param name="enabled">False: every call is a miss (to check that caching changes nothing).</param>
public sealed class CachingImageValidator(IAppImageValidator inner, bool enabled = true) : IAppImageValidator
{
    private const int MaxEntriesPerPartition = 16;

    private readonly IAppImageValidator _inner = inner ?? throw new ArgumentNullException(nameof(inner));
    private readonly Dictionary<(uint Offset, uint Size), List<(long[] Tokens, AppImageValidation Verdict)>> _cache = [];

    /// <summary>Verdicts reused.</summary>
    public long Hits { get; private set; }

    /// <summary>Verdicts computed by the inner validator.</summary>
    public long Misses { get; private set; }

    /// <inheritdoc />
    /// <remarks>Not cached: a bootloader is verified once per update, never in the sweep's boots.</remarks>
    public AppImageValidation ValidateBootloader(IFlash flash, Partition partition) => _inner.ValidateBootloader(flash, partition);

    /// <inheritdoc />
    public AppImageValidation Validate(IFlash flash, Partition partition)
    {
        ArgumentNullException.ThrowIfNull(flash);
        ArgumentNullException.ThrowIfNull(partition);
        var tracked = TrackingFlashOf(flash);
        if (!enabled || tracked is null || partition.Size == 0 || partition.End > tracked.Size)
        {
            Misses++;
            return _inner.Validate(flash, partition);
        }

        var tokens = tracked.TokensOf(partition.Offset, partition.Size);
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
        var fresh = _inner.Validate(flash, partition);
        if (entries.Count >= MaxEntriesPerPartition)
        {
            entries.RemoveAt(0);
        }

        entries.Add((tokens.ToArray(), fresh));
        return fresh;
    }

    // Wrappers that pass reads through unchanged see the same bytes as the flash they wrap.
    private static IContentTrackingFlash? TrackingFlashOf(IFlash flash)
    {
        while (true)
        {
            switch (flash)
            {
                case IContentTrackingFlash tracked:
                    return tracked;
                case FaultInjectingFlash faults:
                    flash = faults.Inner;
                    break;
                case ObservedFlash observed:
                    flash = observed.Inner;
                    break;
                default:
                    return null;
            }
        }
    }
}
