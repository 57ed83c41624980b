namespace EspOta.Server.Firmware;

/// <summary>Firmware metadata: one row per image, keyed by its SHA-256 and unique per (project, version, chip).</summary>
internal interface IFirmwareStore
{
    /// <summary>The row for <paramref name="sha256"/> (lowercase hex), or null.</summary>
    Task<FirmwareRecord?> GetAsync(string sha256, CancellationToken cancellationToken);

    /// <summary>Rows in upload order, optionally of one project and/or chip, after <paramref name="afterSequence"/>, at most <paramref name="limit"/>.</summary>
    Task<IReadOnlyList<FirmwareRecord>> ListAsync(string? project, string? chip, long? afterSequence, int limit, CancellationToken cancellationToken);

    /// <summary>
    /// Adds the row (its <see cref="FirmwareRecord.Sequence"/> is assigned here); returns null when
    /// added, or the row that already holds the SHA-256 or the (project, version, chip). Exactly one
    /// of concurrent adds of the same image succeeds, across server processes.
    /// </summary>
    Task<FirmwareRecord?> TryAddAsync(FirmwareRecord record, CancellationToken cancellationToken);

    /// <summary>Every stored SHA-256 (for reconciling the images folder at startup).</summary>
    Task<IReadOnlyList<string>> ListHashesAsync(CancellationToken cancellationToken);
}
