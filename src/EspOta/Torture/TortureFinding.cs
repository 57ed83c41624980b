namespace EspOta.Torture;

/// <summary>Violations of one kind in one step of one scenario, with the first as its minimal trace.</summary>
/// <param name="Scenario">Scenario name.</param>
/// <param name="Rollback">Whether rollback was enabled.</param>
/// <param name="Kind">The invariant.</param>
/// <param name="Step">The step the cuts fell in.</param>
/// <param name="Count">How many cut points broke it (once per cut point, however many of its continuations failed).</param>
/// <param name="First">The first of them.</param>
public sealed record TortureFinding(string Scenario, bool Rollback, TortureViolationKind Kind, string Step, int Count, TortureViolation First)
{
    /// <summary>The window's size in flash operations: how many distinct operations had a cut that broke it.</summary>
    public int Operations { get; init; }

    /// <summary>The window's size in bytes: the lengths (bytes written or erased) of those operations, added up.</summary>
    public long Bytes { get; init; }

    /// <summary>Index of the first operation with a cut that broke it.</summary>
    public int FirstOperation { get; init; }

    /// <summary>Index of the last operation with a cut that broke it.</summary>
    public int LastOperation { get; init; }

    /// <summary>Identifies the finding independently of counts: scenario, rollback, kind, step.</summary>
    public string Key => $"{Scenario}|rollback={(Rollback ? "on" : "off")}|{Kind}|{Step}";

    /// <summary>Whether this is one of the documented ESP-IDF behaviours (docs/power-loss.md).</summary>
    public bool IsKnownEspIdfBehaviour => TortureKnownFindings.Keys.Contains(Key);
}
