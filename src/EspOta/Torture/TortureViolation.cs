namespace EspOta.Torture;

/// <summary>One broken invariant at one cut point, with everything needed to replay it.</summary>
/// <param name="Scenario">Scenario name.</param>
/// <param name="Rollback">Whether rollback was enabled.</param>
/// <param name="Kind">The invariant.</param>
/// <param name="Step">The scenario step the cut fell in.</param>
/// <param name="Cut">The cut point.</param>
/// <param name="Continuation">What ran after the power returned.</param>
/// <param name="BootNumber">Which boot after the cut (1-based) broke it.</param>
/// <param name="Expected">The app the ideal model expected, or null.</param>
/// <param name="Actual">The app that booted, or null.</param>
/// <param name="Seed">The run's seed.</param>
/// <param name="Detail">Boot steps and otadata at the violation.</param>
public sealed record TortureViolation(
    string Scenario,
    bool Rollback,
    TortureViolationKind Kind,
    string Step,
    TortureCutPoint Cut,
    TortureContinuation Continuation,
    int BootNumber,
    string? Expected,
    string? Actual,
    int Seed,
    string Detail)
{
    /// <summary>
    /// The other continuations after the same cut that broke the same invariant in the same step (each
    /// with its own boot number and detail): the cut counts once, the details of every failing run are kept.
    /// </summary>
    public IReadOnlyList<TortureViolation> AlsoFailed { get; init; } = [];

    /// <summary>
    /// The run was the scenario's resume continuation (<see cref="TortureScenario.ResumeDownload"/>): boot, resume the
    /// download, reboot, then as <see cref="TortureContinuation.SelfTestPasses"/>.
    /// </summary>
    public bool ResumedDownload { get; init; }

    private string ContinuationName => ResumedDownload ? "ResumeDownload" : Continuation.ToString();

    /// <summary>Every continuation after this cut that broke the invariant: <see cref="Continuation"/>, then those in <see cref="AlsoFailed"/>.</summary>
    public IEnumerable<TortureContinuation> Continuations => AlsoFailed.Select(v => v.Continuation).Prepend(Continuation);

    /// <inheritdoc />
    public override string ToString() =>
        $"{Scenario} (rollback {(Rollback ? "on" : "off")}, seed {Seed}): {Kind} in step '{Step}', cut {Cut}, {ContinuationName} boot {BootNumber}"
        + string.Concat(AlsoFailed.Select(v => $", {v.ContinuationName} boot {v.BootNumber}"))
        + $": expected {Expected ?? "nothing"}, booted {Actual ?? "nothing"}";
}
