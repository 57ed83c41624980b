namespace EspOta.Torture;

/// <summary>One broken invariant, with everything needed to replay it.</summary>
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
    /// <inheritdoc />
    public override string ToString() =>
        $"{Scenario} (rollback {(Rollback ? "on" : "off")}, seed {Seed}): {Kind} in step '{Step}', cut {Cut}, {Continuation} boot {BootNumber}: expected {Expected ?? "nothing"}, booted {Actual ?? "nothing"}";
}
