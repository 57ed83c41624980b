namespace EspOta.Torture;

/// <summary>The outcome of torturing one scenario.</summary>
public sealed record TortureReport
{
    /// <summary>Scenario name.</summary>
    public required string Scenario { get; init; }

    /// <summary>Whether rollback was enabled.</summary>
    public required bool Rollback { get; init; }

    /// <summary>App image size.</summary>
    public required long ImageSize { get; init; }

    /// <summary>The seed.</summary>
    public required int Seed { get; init; }

    /// <summary>Writes and erases of the scenario's clean run.</summary>
    public required int Operations { get; init; }

    /// <summary>Cut points tried (operations × cut offsets inside each).</summary>
    public required long CutPoints { get; init; }

    /// <summary>Cut replays run (cut points × applicable continuations).</summary>
    public required long Replays { get; init; }

    /// <summary>Boots after cuts.</summary>
    public required long Reboots { get; init; }

    /// <summary>Cut points at which some invariant broke, each counted once (all of them, even beyond <see cref="Violations"/>).</summary>
    public required long ViolationCount { get; init; }

    /// <summary>
    /// The first violations (up to <see cref="TortureOptions.MaxRecordedViolations"/>): one per cut point and
    /// (kind, step), the other continuations that failed the same way in <see cref="TortureViolation.AlsoFailed"/>.
    /// </summary>
    public required IReadOnlyList<TortureViolation> Violations { get; init; }

    /// <summary>Violations grouped by (kind, step).</summary>
    public required IReadOnlyList<TortureFinding> Findings { get; init; }

    /// <summary>Image verifications answered from the cache of unchanged partitions.</summary>
    public required long VerificationsCached { get; init; }

    /// <summary>Image verifications run on flash.</summary>
    public required long VerificationsRun { get; init; }

    /// <summary>Wall time.</summary>
    public required TimeSpan Elapsed { get; init; }

    /// <summary>Findings that are not documented ESP-IDF behaviours.</summary>
    public IEnumerable<TortureFinding> NewFindings => Findings.Where(f => !f.IsKnownEspIdfBehaviour);
}
