using BenchmarkDotNet.Attributes;
using EspOta.Torture;

namespace EspOta.Benchmarks;

/// <summary>
/// Power-loss torture of the 1 MiB full-OTA scenario (begin / 256 writes of 4 KiB / end / set boot /
/// reboot / mark valid): every operation cut at several points, each followed by three continuations
/// with real boots and real verification of changed partitions. Reported per cut point
/// (<c>OperationsPerInvoke</c>), so the mean is the cost of one cut-point replay; the goal is ≤ 1 ms
/// (≥ 1,000 per second). Each invocation includes the setup, image building and the counting run.
/// </summary>
[ShortRunJob]
[MemoryDiagnoser]
public class TortureBenchmark
{
    // The cut points of the scenario at 1 MiB, seed 1 (checked in GlobalSetup).
    private const int CutPointsRollbackOff = 1354;
    private const int CutPointsRollbackOn = 1388;

    private static readonly TortureOptions Off = new() { ImageSize = 1024 * 1024, Rollback = false, Seed = 1 };
    private static readonly TortureOptions On = Off with { Rollback = true };

    [GlobalSetup]
    public void Setup()
    {
        Check(Off, CutPointsRollbackOff);
        Check(On, CutPointsRollbackOn);
    }

    [Benchmark(OperationsPerInvoke = CutPointsRollbackOff)]
    public long FullOta1MiB_RollbackOff_PerCutPoint() => TortureEngine.Run(TortureScenarios.FullOta, Off).Reboots;

    [Benchmark(OperationsPerInvoke = CutPointsRollbackOn)]
    public long FullOta1MiB_RollbackOn_PerCutPoint() => TortureEngine.Run(TortureScenarios.FullOta, On).Reboots;

    private static void Check(TortureOptions options, int expected)
    {
        var report = TortureEngine.Run(TortureScenarios.FullOta, options);
        if (report.CutPoints != expected)
        {
            throw new InvalidOperationException($"full-ota at 1 MiB (rollback {options.Rollback}) has {report.CutPoints} cut points, the benchmark assumes {expected}");
        }

        Console.WriteLine($"// full-ota 1 MiB rollback {(options.Rollback ? "on" : "off")}: {report.Operations} ops, {report.CutPoints} cut points, {report.Replays} replays, " +
            $"{report.Reboots} reboots, {report.VerificationsRun} verifications run, {report.VerificationsCached} cached, {report.CutPoints / report.Elapsed.TotalSeconds:F0} cut points/s");
    }
}
