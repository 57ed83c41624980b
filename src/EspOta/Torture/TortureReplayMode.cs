namespace EspOta.Torture;

/// <summary>How the flash state at a cut is produced.</summary>
public enum TortureReplayMode
{
    /// <summary>
    /// Replay the recorded operations onto a baseline flash one at a time and rebuild each cut state
    /// from it (copying only the sectors that differ): the state before operation i is exactly what the
    /// scenario's clean run had there, because the device is deterministic.
    /// </summary>
    Snapshot,

    /// <summary>Run the whole scenario again from the initial flash on a <see cref="Flash.FaultInjectingFlash"/> armed at the cut.</summary>
    FromScratch,
}
