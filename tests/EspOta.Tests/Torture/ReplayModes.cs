using System.Security.Cryptography;
using EspOta.Torture;

namespace EspOta.Tests.Torture;

/// <summary>Runs one scenario by snapshot replay and again from scratch, and checks both saw the same device.</summary>
internal static class ReplayModes
{
    /// <summary>
    /// Every cut state, in order, and the violations are the same either way; the two reports are returned for
    /// checks of their own.
    /// </summary>
    public static (TortureReport Snapshot, TortureReport FromScratch) AssertSnapshotMatchesFromScratch(TortureScenario scenario, TortureOptions options)
    {
        var snapshots = new List<(string Cut, string Digest)>();
        var fromScratch = new List<(string Cut, string Digest)>();

        var a = TortureEngine.Run(scenario, options with { CutObserver = (cut, flash) => snapshots.Add((cut.ToString(), Digest(flash))) });
        var b = TortureEngine.Run(scenario, options with
        {
            Mode = TortureReplayMode.FromScratch,
            CutObserver = (cut, flash) => fromScratch.Add((cut.ToString(), Digest(flash))),
        });

        Assert.Equal(a.CutPoints, snapshots.Count);
        Assert.Equal(snapshots, fromScratch);
        Assert.Equal(a.Violations.Select(v => v.ToString()), b.Violations.Select(v => v.ToString()));
        return (a, b);
    }

    /// <summary>A flash state's SHA-256, for comparing cut states.</summary>
    public static string Digest(byte[] flash) => Convert.ToHexString(SHA256.HashData(flash));
}
