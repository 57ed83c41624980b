using EspOta.Partitions;

namespace EspOta.Torture;

/// <summary>What a resumed download did (see <see cref="TortureScenario.ResumeDownload"/>).</summary>
/// <param name="Selected">The app it installed and set to boot, or null when it installed nothing (the running app is already the offered one, or the offer was refused before anything was erased).</param>
/// <param name="Partition">The partition it wrote, or null.</param>
/// <param name="ResumedFrom">The image offset its checkpoint let it start at, or null for a download from the start.</param>
/// <param name="ImageLength">Length of the installed image.</param>
public sealed record TortureResumeOutcome(string? Selected, Partition? Partition, long? ResumedFrom, long ImageLength)
{
    /// <summary>Nothing installed.</summary>
    public static TortureResumeOutcome Nothing { get; } = new(null, null, null, 0);

    /// <summary>
    /// Why the app legitimately installed nothing and keeps the old app (e.g. the offered version was rolled back and
    /// the admission check refuses it before anything is erased), or null. Set, the last boot need not run
    /// <see cref="TortureScenario.ResumeTarget"/>; every boot is still held to the model.
    /// </summary>
    public string? Refused { get; init; }

    /// <summary>Nothing installed, for <paramref name="reason"/> (see <see cref="Refused"/>).</summary>
    public static TortureResumeOutcome RefusedBecause(string reason) => Nothing with { Refused = reason };
}
