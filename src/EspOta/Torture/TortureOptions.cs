namespace EspOta.Torture;

/// <summary>How a torture run is set up.</summary>
public sealed record TortureOptions
{
    /// <summary>Size of each app image in bytes (the OTA partitions are this, rounded up to 64 KiB).</summary>
    public long ImageSize { get; init; } = 64 * 1024;

    /// <summary>Bytes per <c>esp_ota_write</c> call.</summary>
    public int ChunkSize { get; init; } = 4096;

    /// <summary><c>CONFIG_BOOTLOADER_APP_ROLLBACK_ENABLE</c>.</summary>
    public bool Rollback { get; init; }

    /// <summary>Seed of every random choice (extra cut offsets, erase garbage).</summary>
    public int Seed { get; init; } = 1;

    /// <summary>How each cut state is produced.</summary>
    public TortureReplayMode Mode { get; init; } = TortureReplayMode.Snapshot;

    /// <summary>
    /// Reuse image verdicts for partitions whose bytes did not change (default). Off, every
    /// verification hashes the partition again; the report must not change.
    /// </summary>
    public bool CacheVerification { get; init; } = true;

    /// <summary>Violations kept in the report (all are counted).</summary>
    public int MaxRecordedViolations { get; init; } = 200;

    /// <summary>Called with each cut point and the flash contents right after the cut (costly; for cross-checks).</summary>
    public Action<TortureCutPoint, byte[]>? CutObserver { get; init; }

    /// <summary>Called after each operation's cut points with (cut points done, cut points in total).</summary>
    public Action<long, long>? Progress { get; init; }
}
