using System.Diagnostics;
using System.Text;
using EspOta.Boot;
using EspOta.Device;
using EspOta.Flash;
using EspOta.OtaData;
using EspOta.Partitions;
using EspOta.Layout;

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
/// </remarks>
public static class TortureEngine
{
    private static readonly TortureContinuation[] Continuations = Enum.GetValues<TortureContinuation>();

    /// <summary>Tortures <paramref name="scenario"/> with <paramref name="options"/>.</summary>
    public static TortureReport Run(TortureScenario scenario, TortureOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(scenario);
        var run = new Runner(scenario, options ?? new TortureOptions());
        return run.Execute();
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
        var run = new Runner(scenario, options with { Mode = TortureReplayMode.FromScratch });
        run.Prepare();
        run.CutFromScratch(cut);
        return run.Work.ToArray();
    }

    /// <summary>The cut points of one operation: byte offsets inside a write; sectors done (with or without garbage) inside an erase.</summary>
    public static IReadOnlyList<TortureCutPoint> CutPointsOf(FlashOperation operation, int seed, int sectorSize = MemoryFlash.DefaultSectorSize)
    {
        ArgumentNullException.ThrowIfNull(operation);
        var points = new List<TortureCutPoint>();
        if (operation.Kind == FlashOperationKind.Write)
        {
            int length = operation.Length;
            var offsets = new SortedSet<int>();
            if (length <= 64)
            {
                // Small writes are otadata entries: every torn prefix matters.
                for (int k = 0; k < length; k++)
                {
                    offsets.Add(k);
                }
            }
            else
            {
                offsets.UnionWith([0, 1, length / 2, length - 1]);
                offsets.Add((int)(Mix(seed, operation.Index, 0x5752) % (ulong)length));
            }

            foreach (int k in offsets)
            {
                points.Add(new TortureCutPoint(operation, k, 0, false));
            }
        }
        else
        {
            int sectors = operation.Length / sectorSize;
            foreach (int done in new SortedSet<int> { 0, sectors / 2, sectors - 1 })
            {
                points.Add(new TortureCutPoint(operation, 0, done, false));
                points.Add(new TortureCutPoint(operation, 0, done, true));
            }
        }

        return points;
    }

    private static ulong Mix(int seed, long a, long b)
    {
        // SplitMix64 over the three inputs: stable across processes, unlike HashCode.Combine.
        ulong z = (ulong)(uint)seed * 0x9E3779B97F4A7C15UL ^ (ulong)a * 0xBF58476D1CE4E5B9UL ^ (ulong)b * 0x94D049BB133111EBUL;
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return z ^ (z >> 31);
    }

    private sealed class Runner(TortureScenario scenario, TortureOptions options)
    {
        private readonly TortureRun _run = new(options, scenario.HasFactory);
        private readonly TortureFlash.TokenSource _tokens = new();
        private readonly List<TortureViolation> _violations = [];
        private readonly Dictionary<string, (TortureViolation First, int Count)> _findings = [];
        private CachingImageValidator _validator = null!;
        private BootOptions _bootOptions = null!;
        private TortureFlash _initial = null!;
        private TortureFlash _baseline = null!;
        private List<FlashOperation> _operations = [];
        private TortureStep[] _stepOf = [];
        private IReadOnlyList<TortureStep> _bodySteps = [];
        private IdealOta _startIdeal;
        private HashSet<string> _setupApps = [];
        private TortureSession _setup = null!;
        private long _reboots;
        private long _replays;
        private long _violationCount;

        public TortureFlash Work { get; private set; } = null!;

        public TortureReport Execute()
        {
            var clock = Stopwatch.StartNew();
            Prepare();
            long total = _operations.Sum(op => (long)CutPointsOf(op, options.Seed).Count);
            long done = 0;
            _baseline.CopyFrom(_initial);
            Work.CopyFrom(_initial);
            foreach (var op in _operations)
            {
                var step = _stepOf[op.Index];
                foreach (var cut in CutPointsOf(op, options.Seed))
                {
                    bool complete = IsEffectivelyComplete(cut);
                    IdealOta[] candidates = !step.Atomic || (complete && op.Index == step.EndOperation - 1)
                        ? [step.Before, step.After]
                        : [step.Before];
                    var selected = SelectedBefore(op.Index);
                    for (int c = 0; c < Continuations.Length; c++)
                    {
                        if (options.Mode == TortureReplayMode.Snapshot)
                        {
                            CutFromSnapshot(cut);
                        }
                        else
                        {
                            CutFromScratch(cut);
                        }

                        if (c == 0)
                        {
                            options.CutObserver?.Invoke(cut, Work.ToArray());
                        }

                        RunContinuation(Continuations[c], cut, step, candidates, selected);
                    }

                    done++;
                }

                Apply(_baseline, op);
                options.Progress?.Invoke(done, total);
            }

            return new TortureReport
            {
                Scenario = scenario.Name,
                Rollback = options.Rollback,
                ImageSize = options.ImageSize,
                Seed = options.Seed,
                Operations = _operations.Count,
                CutPoints = total,
                Replays = _replays,
                Reboots = _reboots,
                ViolationCount = _violationCount,
                Violations = _violations,
                Findings = _findings.Values.Select(f => new TortureFinding(f.First.Scenario, f.First.Rollback, f.First.Kind, f.First.Step, f.Count, f.First)).ToArray(),
                VerificationsCached = _validator.Hits,
                VerificationsRun = _validator.Misses,
                Elapsed = clock.Elapsed,
            };
        }

        /// <summary>Builds the start state (setup) and records the clean run.</summary>
        public void Prepare()
        {
            _validator = new CachingImageValidator(new ImageVerifierValidator(_run.Chip), options.CacheVerification);
            _bootOptions = new BootOptions
            {
                Rollback = options.Rollback,
                FactoryReset = scenario.FactoryReset,
                FactoryResetErasesOtaData = scenario.FactoryReset,
                FactoryResetDataPartitions = scenario.FactoryReset ? ["nvs"] : [],
            };

            _initial = new TortureFlash(_run.FlashSize, MemoryFlash.DefaultSectorSize, _tokens);
            FlashImage.Compose(_run.Table, null, []).WriteTo(_initial);
            var setup = new TortureSession(_run, EspDevice.Open(_initial, _bootOptions, validator: _validator), () => 0, null);
            scenario.Setup(setup);
            _setup = setup;
            _startIdeal = setup.Ideal;
            _setupApps = [.. setup.SelectedApps, _startIdeal.Confirmed];
            if (scenario.HasFactory)
            {
                _setupApps.Add(_run.FactoryApp);
            }

            _baseline = new TortureFlash(_run.FlashSize, MemoryFlash.DefaultSectorSize, _tokens);
            _baseline.CopyFrom(_initial);
            _baseline.Recorder = [];
            var faults = new FaultInjectingFlash(_baseline);
            var body = new TortureSession(_run, EspDevice.Open(faults, _bootOptions, validator: _validator), () => faults.OperationCount, _startIdeal, _setup);
            scenario.Body(body);
            _operations = _baseline.Recorder;
            _baseline.Recorder = null;
            if (faults.OperationCount != _operations.Count)
            {
                throw new InvalidOperationException($"the fault-injecting flash counted {faults.OperationCount} operations, the recorder {_operations.Count}");
            }

            _stepOf = new TortureStep[_operations.Count];
            foreach (var step in body.Steps)
            {
                for (int i = step.FirstOperation; i < step.EndOperation; i++)
                {
                    _stepOf[i] = step;
                }
            }

            _bodySteps = body.Steps;
            Work = new TortureFlash(_run.FlashSize, MemoryFlash.DefaultSectorSize, _tokens);
            Work.CopyFrom(_initial);
        }

        private HashSet<string> SelectedBefore(int operation)
        {
            var apps = new HashSet<string>(_setupApps);
            foreach (var step in _bodySteps)
            {
                if (step.EndOperation <= operation || (step.FirstOperation <= operation && !step.Atomic))
                {
                    apps.Add(step.After.Confirmed);
                    if (step.After.Pending is { } p)
                    {
                        apps.Add(p);
                    }
                }
            }

            return apps;
        }

        private void CutFromSnapshot(TortureCutPoint cut)
        {
            Work.SyncFrom(_baseline);
            var op = cut.Operation;
            if (op.Kind == FlashOperationKind.Write)
            {
                if (cut.BytesWritten > 0)
                {
                    Work.Write(op.Address, op.Data.Span[..cut.BytesWritten]);
                }
            }
            else
            {
                if (cut.SectorsErased > 0)
                {
                    Work.Erase(op.Address, (long)cut.SectorsErased * Work.SectorSize);
                }

                LeaveGarbage(cut);
            }
        }

        public void CutFromScratch(TortureCutPoint cut)
        {
            Work.SyncFrom(_initial);
            var faults = new FaultInjectingFlash(Work);
            faults.Arm(FaultPlan.AtOperation(cut.Operation.Index, cut.BytesWritten, cut.SectorsErased));
            var session = new TortureSession(_run, EspDevice.Open(faults, _bootOptions, validator: _validator), () => faults.OperationCount, _startIdeal, _setup);
            try
            {
                scenario.Body(session);
                throw new InvalidOperationException($"the replay of {scenario.Name} finished without reaching {cut}");
            }
            catch (PowerLossException ex) when (ex.OperationIndex == cut.Operation.Index)
            {
            }

            if (cut.Operation.Kind == FlashOperationKind.Erase)
            {
                LeaveGarbage(cut);
            }
        }

        private void LeaveGarbage(TortureCutPoint cut)
        {
            var op = cut.Operation;
            if (!cut.Garbage || cut.SectorsErased >= op.Length / Work.SectorSize)
            {
                return;
            }

            // An interrupted erase drives cells towards 1 unevenly: each bit ends up at its old value or 1.
            int sector = (int)(op.Address / Work.SectorSize) + cut.SectorsErased;
            var bytes = Work.Contents.Slice(sector * Work.SectorSize, Work.SectorSize).ToArray();
            ulong state = Mix(options.Seed, op.Index, sector);
            for (int i = 0; i < bytes.Length; i += 8)
            {
                state = Mix((int)state, (long)(state >> 32), i);
                for (int j = 0; j < 8 && i + j < bytes.Length; j++)
                {
                    bytes[i + j] |= (byte)(state >> (8 * j));
                }
            }

            Work.Overwrite(sector, bytes);
        }

        private bool IsEffectivelyComplete(TortureCutPoint cut)
        {
            var op = cut.Operation;
            var before = _baseline.Contents;
            if (op.Kind == FlashOperationKind.Write)
            {
                var data = op.Data.Span;
                for (int j = cut.BytesWritten; j < op.Length; j++)
                {
                    byte old = before[(int)op.Address + j];
                    if ((old & data[j]) != old)
                    {
                        return false;
                    }
                }

                return true;
            }

            if (cut.Garbage)
            {
                return false;
            }

            var rest = before.Slice((int)op.Address + cut.SectorsErased * _baseline.SectorSize, op.Length - cut.SectorsErased * _baseline.SectorSize);
            return !rest.ContainsAnyExcept((byte)0xFF);
        }

        private static void Apply(TortureFlash flash, FlashOperation op)
        {
            if (op.Kind == FlashOperationKind.Write)
            {
                flash.Write(op.Address, op.Data.Span);
            }
            else
            {
                flash.Erase(op.Address, op.Length);
            }
        }

        private void RunContinuation(TortureContinuation continuation, TortureCutPoint cut, TortureStep step, IdealOta[] candidates, HashSet<string> selected)
        {
            var device = EspDevice.Open(Work, _bootOptions, validator: _validator);
            int bootNumber = 0;
            bool skipped = false;

            try
            {
                var boot = Check(ref candidates, device.Reboot());
                if (boot is null)
                {
                    return;
                }

                switch (continuation)
                {
                    case TortureContinuation.Unconfirmed:
                        candidates = [.. candidates.Select(c => c.AfterBoot())];
                        Check(ref candidates, device.Reboot());
                        break;

                    case TortureContinuation.SelfTestPasses:
                        candidates = [.. candidates.Select(c => c.AfterBoot())];
                        string running = boot;
                        try
                        {
                            device.Ota.MarkAppValidCancelRollback();
                        }
                        catch (EspException)
                        {
                            // ESP-IDF's answer (e.g. no otadata entry to confirm); the app runs on.
                        }

                        candidates = [.. candidates.Select(c => c.AfterMarkValid(running))];
                        Check(ref candidates, device.Reboot());
                        break;

                    case TortureContinuation.SelfTestFails:
                        candidates = [.. candidates.Select(c => c.AfterBoot())];
                        string app = boot;
                        if (!options.Rollback || !candidates.Any(c => c.Pending == app))
                        {
                            // Only an unconfirmed update under a rollback-enabled bootloader has a self-test to fail.
                            skipped = true;
                            return;
                        }

                        try
                        {
                            device.Ota.MarkAppInvalidRollback();
                        }
                        catch (EspException ex)
                        {
                            var without = candidates.Where(c => c.Pending != app).ToArray();
                            if (without.Length == 0)
                            {
                                Report(TortureViolationKind.RollbackRefused, candidates[0].Confirmed, app, $"{ex.Code.GetName()}: {ex.Message}");
                                return;
                            }

                            candidates = without;
                        }

                        candidates = [.. candidates.Select(c => c.AfterMarkInvalid(app))];
                        if (Check(ref candidates, device.Reboot()) is null)
                        {
                            return;
                        }

                        candidates = [.. candidates.Select(c => c.AfterBoot())];
                        Check(ref candidates, device.Reboot());
                        break;
                }
            }
            catch (Exception ex)
            {
                // A reset or an ESP-IDF error code never gets here: only a bug in the device code does.
                Report(TortureViolationKind.UnexpectedException, null, null, ex.ToString());
            }
            finally
            {
                if (!skipped)
                {
                    _replays++;
                }
            }

            // Returns the booted app, or null when this boot broke an invariant (reported).
            string? Check(ref IdealOta[] ideals, BootResult result)
            {
                bootNumber++;
                _reboots++;
                string? actual = result.App?.Version;
                if (result.IsReset || actual is null)
                {
                    Report(TortureViolationKind.NoAppBoots, ideals[0].ExpectedBoot, null, Describe(result));
                    return null;
                }

                var matching = ideals.Where(i => i.ExpectedBoot == actual).ToArray();
                if (matching.Length == 0)
                {
                    var ideal = ideals[0];
                    var kind = ideal.Pending is { } pending && ideal.ExpectedBoot == pending ? TortureViolationKind.SelectedUpdateLost
                        : actual == ideal.Pending ? TortureViolationKind.UnconfirmedAppKept
                        : selected.Contains(actual) ? TortureViolationKind.ConfirmedAppLost
                        : TortureViolationKind.UnselectedAppBoots;
                    Report(kind, ideal.ExpectedBoot, actual, $"model: {ideal}\n{Describe(result)}");
                    return null;
                }

                ideals = matching;
                if (SelectsUnverifiable(result) is { } why)
                {
                    Report(TortureViolationKind.OtaDataSelectsUnverifiableImage, ideals[0].ExpectedBoot, actual, $"{why}\n{Describe(result)}");
                    return null;
                }

                return actual;
            }

            void Report(TortureViolationKind kind, string? expected, string? actual, string detail)
            {
                _violationCount++;
                var violation = new TortureViolation(scenario.Name, options.Rollback, kind, step.Name, cut, continuation, bootNumber, expected, actual, options.Seed, detail);
                if (_violations.Count < options.MaxRecordedViolations)
                {
                    _violations.Add(violation);
                }

                string key = $"{kind}|{step.Name}";
                _findings[key] = _findings.TryGetValue(key, out var f) ? (f.First, f.Count + 1) : (violation, 1);
            }
        }

        private string? SelectsUnverifiable(BootResult result)
        {
            var table = result.Table;
            var partition = table?.FindFirst(PartitionType.Data, PartitionSubtypes.DataOta);
            if (table is null || partition is null)
            {
                return null;
            }

            if (new OtaSelection(Work, table).ActiveSelection() is not { } selected)
            {
                return null;
            }

            var (active, slot, target) = selected;
            var entry = new OtaDataPartition(Work, partition).Read(active);
            if (target is null)
            {
                return $"active otadata[{active}] ({entry}) selects ota_{slot}, which does not exist";
            }

            var verdict = _validator.Validate(Work, target);
            return verdict.IsValid ? null : $"active otadata[{active}] ({entry}) selects {target.Label}, whose image does not verify: {verdict.Reason}";
        }

        private string Describe(BootResult result)
        {
            var text = new StringBuilder();
            foreach (var line in result.Steps)
            {
                text.Append("  boot: ").AppendLine(line);
            }

            return text.ToString();
        }
    }
}
