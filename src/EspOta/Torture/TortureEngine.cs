using System.Diagnostics;
using EspOta.Flash;

namespace EspOta.Torture;

/// <summary>
/// Cuts the power at every flash operation of a scenario — and at several points inside each — then
/// reboots the device (with the app's self-test passing, failing, or never confirming) and holds
/// every boot to the <see cref="IdealOta"/> model.
/// </summary>
/// <remarks>
/// MCUboot's simulator is the model: count the operations of a clean run, then for every index clone
/// the state, cut, boot, check. The bootloader, the OTA code and image verification always run for
/// real on the cut flash; only verdicts on partitions whose bytes did not change are reused.
/// The parts: <see cref="TortureCutPoints"/> (where to cut), <see cref="TortureReplay"/> (the flash
/// after a cut), <see cref="TortureOracle"/> (reboot and compare with the model).
/// </remarks>
public static class TortureEngine
{
    private static readonly TortureContinuation[] Continuations = Enum.GetValues<TortureContinuation>();

    /// <summary>Tortures <paramref name="scenario"/> with <paramref name="options"/>.</summary>
    public static TortureReport Run(TortureScenario scenario, TortureOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(scenario);
        options ??= new TortureOptions();
        var clock = Stopwatch.StartNew();
        var replay = new TortureReplay(scenario, options);
        replay.Prepare();
        var oracle = new TortureOracle(scenario, options, replay);
        var operations = replay.Operations;
        long total = operations.Sum(op => (long)CutPointsAt(replay, op, options.Seed).Count) + 2L * replay.Revocations.Count;
        long done = 0;
        replay.Rewind();

        // Every continuation from one cut; the violations they find count once for the cut.
        void JudgeCut(TortureCutPoint cut, TortureStep step, IdealOta[] candidates, HashSet<string> selected)
        {
            for (int c = 0; c < Continuations.Length; c++)
            {
                replay.Cut(cut);
                if (c == 0)
                {
                    options.CutObserver?.Invoke(cut, replay.Work.ToArray());
                }

                oracle.Judge(Continuations[c], cut, step, candidates, selected);
            }

            if (scenario.ResumeDownload is not null)
            {
                // The app resumes its download through the checkpoint, then goes on as when its self-test passes.
                replay.Cut(cut);
                oracle.Judge(TortureContinuation.SelfTestPasses, cut, step, candidates, selected, resume: true);
            }

            oracle.EndCut();
            done++;
        }

        // An eFuse revocation is no flash operation, but the power can fail just before or just after its burn.
        void CutAtEfuses(int operationsDone)
        {
            foreach (var (cut, step) in replay.EfuseCutsAt(operationsDone))
            {
                JudgeCut(cut, step, [step.Before, step.After], replay.SelectedBefore(operationsDone));
            }
        }

        foreach (var op in operations)
        {
            CutAtEfuses(op.Index);
            var step = replay.StepOf(op.Index);
            foreach (var cut in CutPointsAt(replay, op, options.Seed))
            {
                JudgeCut(cut, step, oracle.CandidatesAt(cut, step), replay.SelectedBefore(op.Index));
            }

            replay.Advance(op);
            options.Progress?.Invoke(done, total);
        }

        CutAtEfuses(operations.Count);

        return new TortureReport
        {
            Scenario = scenario.Name,
            Rollback = options.Rollback,
            ImageSize = options.ImageSize,
            Seed = options.Seed,
            Operations = operations.Count,
            CutPoints = total,
            Replays = oracle.Replays,
            Reboots = oracle.Reboots,
            ViolationCount = oracle.ViolationCount,
            Violations = oracle.Violations,
            Findings = oracle.Findings,
            VerificationsCached = replay.Validator.Hits,
            VerificationsRun = replay.Validator.Misses,
            Elapsed = clock.Elapsed,
        };
    }

    /// <summary>
    /// The flash contents right after <paramref name="cut"/> (before any reboot), rebuilt by replaying
    /// the scenario from scratch: a file <c>esp-ota flash boot</c> can read.
    /// </summary>
    public static byte[] ReproduceCut(TortureScenario scenario, TortureOptions options, TortureCutPoint cut)
    {
        ArgumentNullException.ThrowIfNull(scenario);
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(cut);
        var replay = new TortureReplay(scenario, options with { Mode = TortureReplayMode.FromScratch });
        replay.Prepare();
        replay.CutFromScratch(cut);
        return replay.Work.ToArray();
    }

    // The cut points of one operation, plus one at the eFuse burn when the clean run burned right after it.
    private static IReadOnlyList<TortureCutPoint> CutPointsAt(TortureReplay replay, FlashOperation op, int seed)
    {
        var points = CutPointsOf(op, seed, replay.Work.SectorSize);
        return replay.EfuseBurnFollows(op.Index) ? [.. points, TortureCutPoint.AtEfuseBurnAfter(op, replay.Work.SectorSize)] : points;
    }

    /// <summary>The cut points of one operation: byte offsets inside a write; sectors done (with or without garbage) inside an erase.</summary>
    public static IReadOnlyList<TortureCutPoint> CutPointsOf(FlashOperation operation, int seed, int sectorSize = MemoryFlash.DefaultSectorSize) =>
        TortureCutPoints.Of(operation, seed, sectorSize);
}
