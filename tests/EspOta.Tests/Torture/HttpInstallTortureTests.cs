using EspOta.Flash;
using EspOta.Http;
using EspOta.Torture;
using Xunit.Abstractions;

namespace EspOta.Tests.Torture;

public sealed class HttpInstallTortureTests(ITestOutputHelper output)
{
    private const int Seed = 20261124;

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Run_HttpInstall_ResumesThroughTheCheckpointAfterCutsAndEndsOnAConfirmedApp1(bool rollback)
    {
        using var http = HttpInstallTorture.Start();
        var operations = new SortedDictionary<int, FlashOperation>();
        var report = TortureEngine.Run(http.Scenario, new TortureOptions
        {
            ImageSize = 64 * 1024,
            Rollback = rollback,
            Seed = Seed,
            CutObserver = (cut, _) => operations[cut.Operation.Index] = cut.Operation,
        });

        output.WriteLine($"rollback {(rollback ? "on" : "off")}: {report.Operations} operations, {report.CutPoints} cut points, {report.Replays} replays, "
            + $"{report.Reboots} boots, {report.ViolationCount} violating cut points, {report.Elapsed.TotalSeconds:F1} s; resumes: {http.FromCheckpoint} from a checkpoint, "
            + $"{http.FromStart} from the start, {http.Refused} refused (rolled back), {http.AlreadyRunning} app-1 already running");
        foreach (var finding in report.Findings)
        {
            output.WriteLine($"  {finding.Key} x{finding.Count}, operations #{finding.FirstOperation}..#{finding.LastOperation}");
        }

        // The client saves a checkpoint only after the write it vouches for (never ahead of the flash), and forgets
        // it only after the boot partition is set.
        var ops = operations.Values.ToArray();
        Assert.Equal(report.Operations, ops.Length);
        static bool In(FlashOperation op, long start, long end) => op.Address >= start && op.Address < end;
        var nvsWrites = ops.Where(op => op.Kind == FlashOperationKind.Write && In(op, 0x9000, 0xD000)).ToArray();
        Assert.True(nvsWrites.Length > 60);
        foreach (var save in nvsWrites[..^1])
        {
            var before = ops.Take(save.Index).Last(op => !In(op, 0x9000, 0xD000));
            Assert.True(before.Kind == FlashOperationKind.Write && In(before, 0x20000, 0x30000), $"checkpoint #{save.Index} follows {before}");
        }

        var otadata = ops.Where(op => In(op, 0xD000, 0xF000)).Select(op => op.Index).ToArray();
        output.WriteLine($"  otadata operations: #{string.Join(", #", otadata)}; checkpoint records: {nvsWrites.Length - 1} saves + 1 forget (#{nvsWrites[^1].Index})");
        Assert.True(nvsWrites[^1].Index > otadata[1], "the checkpoint is forgotten after set boot");
        Assert.All(ops[(otadata[1] + 1)..nvsWrites[^1].Index], op => Assert.True(In(op, 0x9000, 0xD000), $"#{op.Index} between set boot and forgetting: {op}"));

        // Every checkpoint save is a cut point: most cuts inside the download leave one to resume from.
        Assert.True(http.FromCheckpoint > report.CutPoints / 2, $"{http.FromCheckpoint} resumes from a checkpoint of {report.CutPoints} cuts");
        Assert.True(http.FromStart > 0);
        Assert.True(http.AlreadyRunning > 0);
        Assert.Equal(rollback, http.Refused > 0);
        Assert.Empty(report.NewFindings);
        Assert.DoesNotContain(report.Findings, f => f.Kind is TortureViolationKind.ResumeRewroteImage or TortureViolationKind.ResumeUnfinished);
    }

    [Fact]
    public void Run_HttpInstallWithACheckpointAheadOfTheFlash_IsCaught()
    {
        // A store that vouches for one 1 KiB write more than has reached the flash (a checkpoint saved before its write).
        using var http = HttpInstallTorture.Start(store => new AheadStore(store));
        var report = TortureEngine.Run(http.Scenario, new TortureOptions { ImageSize = 16 * 1024, Rollback = false, Seed = Seed });

        foreach (var finding in report.Findings)
        {
            output.WriteLine($"{finding.Key} x{finding.Count}: {finding.First}\n{finding.First.Detail.Split('\n')[0]}");
        }

        Assert.NotEmpty(report.NewFindings);
        Assert.Contains(report.Violations, v => v.ResumedDownload);
    }

    [Fact]
    public void Run_HttpInstall_SnapshotReplayGivesTheSameCutStatesAsReplayingFromScratch()
    {
        // The client writes in whole 1 KiB reads (FullReadHandler), so the body replays operation for operation.
        using var http = HttpInstallTorture.Start();
        var options = new TortureOptions { ImageSize = 8 * 1024, Rollback = true, Seed = Seed };

        ReplayModes.AssertSnapshotMatchesFromScratch(http.Scenario, options);
    }

    private sealed class AheadStore(IOtaCheckpointStore inner) : IOtaCheckpointStore
    {
        public OtaCheckpoint? Load() => inner.Load();

        public void Save(OtaCheckpoint checkpoint) => inner.Save(checkpoint with { BytesWritten = checkpoint.BytesWritten + 1024 });

        public void Clear() => inner.Clear();
    }
}
