using EspOta.Boot;
using EspOta.Device;
using EspOta.Flash;
using EspOta.Images;
using EspOta.Layout;

namespace EspOta.Torture;

/// <summary>
/// The flashes of one sweep and how a cut state is built: the untortured setup, the clean run of the
/// body recorded by a <see cref="FlashOperationRecorder"/>, and for each cut the flash right after it —
/// from the baseline snapshot (the operations before the cut applied, then the cut one in part) or
/// by replaying the body from scratch on a <see cref="FaultInjectingFlash"/>. Both leave an
/// interrupted erase as <see cref="InterruptedErase"/> models it.
/// </summary>
internal sealed class TortureReplay
{
    private readonly TortureScenario _scenario;
    private readonly TortureOptions _options;
    private readonly TortureFlash.TokenSource _tokens = new();
    private TortureFlash _initial = null!;
    private TortureFlash _baseline = null!;
    private TortureStep[] _stepOf = [];
    private HashSet<string> _setupApps = [];
    private TortureSession _setup = null!;
    private IdealOta _startIdeal;

    public TortureReplay(TortureScenario scenario, TortureOptions options)
    {
        _scenario = scenario;
        _options = options;
        Run = new TortureRun(options, scenario.HasFactory, scenario.SignedBy);
        Validator = new CachingImageValidator(
            new EspImageValidator(new ImageVerifyOptions { ExpectedChip = Run.Chip, RequireAppDescription = true }),
            options.CacheVerification);
        BootOptions = new BootOptions
        {
            Rollback = options.Rollback,
            FactoryReset = scenario.FactoryReset,
            FactoryResetErasesOtaData = scenario.FactoryReset,
            FactoryResetDataPartitions = scenario.FactoryReset ? ["nvs"] : [],
        };
    }

    public TortureRun Run { get; }

    public CachingImageValidator Validator { get; }

    public BootOptions BootOptions { get; }

    /// <summary>The body's writes and erases in the clean run.</summary>
    public IReadOnlyList<FlashOperation> Operations { get; private set; } = [];

    /// <summary>The body's steps in the clean run.</summary>
    public IReadOnlyList<TortureStep> Steps { get; private set; } = [];

    /// <summary>The flash the cut state is built on and the device reboots from.</summary>
    public TortureFlash Work { get; private set; } = null!;

    /// <summary>The flash before the operation being cut (snapshot mode).</summary>
    public ReadOnlySpan<byte> Before => _baseline.Contents;

    /// <summary>The step operation <paramref name="index"/> belongs to.</summary>
    public TortureStep StepOf(int index) => _stepOf[index];

    /// <summary>The body's eFuse revocations in the clean run (flash operations done before each, slot, step).</summary>
    public IReadOnlyList<(int Operation, int Slot, TortureStep Step)> Revocations { get; private set; } = [];

    /// <summary>
    /// A device on <paramref name="flash"/> with the sweep's bootloader configuration and validator; with secure boot,
    /// fresh eFuses (as the setup and the body start).
    /// </summary>
    public EspDevice OpenDevice(IFlash flash) => OpenDevice(flash, []);

    /// <summary>The device that reboots after the last <see cref="Cut"/>: with secure boot, the eFuses as they were when the power failed.</summary>
    public EspDevice OpenCutDevice() => OpenDevice(Work, _revokedAtCut);

    private EspDevice OpenDevice(IFlash flash, IEnumerable<int> revoked) => Run.SecureBoot
        // Signature checks depend on the eFuse state, which the content-token cache does not see: not cached.
        ? EspDevice.OpenSigned(flash, Run.SecureBootConfig(revoked), BootOptions)
        : EspDevice.Open(flash, BootOptions, validator: Validator);

    private List<int> _revokedAtCut = [];

    /// <summary>The two cuts of each revocation done with <paramref name="operationsDone"/> flash operations done (before and after the burn), with their step.</summary>
    public IEnumerable<(TortureCutPoint Cut, TortureStep Step)> EfuseCutsAt(int operationsDone)
    {
        for (int r = 0; r < Revocations.Count; r++)
        {
            var (operation, slot, step) = Revocations[r];
            if (operation == operationsDone)
            {
                yield return (TortureCutPoint.AtEfuse(operation, new TortureEfuseCut(r, slot, Burnt: false)), step);
                yield return (TortureCutPoint.AtEfuse(operation, new TortureEfuseCut(r, slot, Burnt: true)), step);
            }
        }
    }

    /// <summary>Builds the start state (setup) and records the clean run.</summary>
    public void Prepare()
    {
        _initial = new TortureFlash(Run.FlashSize, MemoryFlash.DefaultSectorSize, _tokens);
        FlashImage.Compose(Run.Table, null, []).WriteTo(_initial);
        if (Run.SecureBoot)
        {
            _initial.Write(FlashComposeOptions.BootloaderOffsetFor(Run.Chip), Run.SignedBootloader());
        }

        var setup = new TortureSession(Run, OpenDevice(_initial), () => 0, null);
        _scenario.Setup(setup);
        _setup = setup;
        _startIdeal = setup.Ideal;
        _setupApps = [.. setup.SelectedApps, _startIdeal.Confirmed];
        if (_scenario.HasFactory)
        {
            _setupApps.Add(Run.FactoryApp);
        }

        _baseline = new TortureFlash(Run.FlashSize, MemoryFlash.DefaultSectorSize, _tokens);
        _baseline.CopyFrom(_initial);
        var recorder = new FlashOperationRecorder();
        var faults = new FaultInjectingFlash(new ObservedFlash(_baseline, recorder));
        var body = new TortureSession(Run, OpenDevice(faults), () => faults.OperationCount, _startIdeal, _setup);
        _scenario.Body(body);
        Operations = recorder.Operations;
        if (faults.OperationCount != Operations.Count)
        {
            throw new InvalidOperationException($"the fault-injecting flash counted {faults.OperationCount} operations, the recorder {Operations.Count}");
        }

        _stepOf = new TortureStep[Operations.Count];
        foreach (var step in body.Steps)
        {
            for (int i = step.FirstOperation; i < step.EndOperation; i++)
            {
                _stepOf[i] = step;
            }
        }

        Steps = body.Steps;
        Revocations = body.Revocations;
        Work = new TortureFlash(Run.FlashSize, MemoryFlash.DefaultSectorSize, _tokens);
        Work.CopyFrom(_initial);
    }

    /// <summary>Baseline and work flash back to the start state (the first operation not yet applied).</summary>
    public void Rewind()
    {
        _baseline.CopyFrom(_initial);
        Work.CopyFrom(_initial);
    }

    /// <summary>Applies the whole of <paramref name="operation"/> to the baseline (after its cuts).</summary>
    public void Advance(FlashOperation operation)
    {
        if (operation.Kind == FlashOperationKind.Write)
        {
            _baseline.Write(operation.Address, operation.Data.Span);
        }
        else
        {
            _baseline.Erase(operation.Address, operation.Length);
        }
    }

    /// <summary>Leaves <see cref="Work"/> as the flash right after <paramref name="cut"/>, by the run's replay mode.</summary>
    public void Cut(TortureCutPoint cut)
    {
        _revokedAtCut = cut.Efuse is { } efuse
            ? [.. Revocations.Take(efuse.Revocation).Select(r => r.Slot), .. efuse.Burnt ? [efuse.Slot] : Array.Empty<int>()]
            : [.. Revocations.Where(r => r.Operation <= cut.Operation.Index).Select(r => r.Slot)];
        if (cut.Efuse is not null && _options.Mode == TortureReplayMode.Snapshot)
        {
            // Nothing of the next flash operation has happened: the flash is the baseline.
            Work.SyncFrom(_baseline);
        }
        else if (_options.Mode == TortureReplayMode.Snapshot)
        {
            CutFromSnapshot(cut);
        }
        else
        {
            CutFromScratch(cut);
        }
    }

    /// <summary>Replays the body from the start state on a fault-injecting flash that cuts at <paramref name="cut"/>.</summary>
    public void CutFromScratch(TortureCutPoint cut)
    {
        Work.SyncFrom(_initial);
        var faults = new FaultInjectingFlash(Work);
        var session = new TortureSession(Run, OpenDevice(faults), () => faults.OperationCount, _startIdeal, _setup);
        if (cut.Efuse is not null && cut.Operation.Index == Operations.Count)
        {
            // A revocation after the body's last flash operation: the whole body ran.
            _scenario.Body(session);
            return;
        }

        faults.Arm(FaultPlan.AtOperation(cut.Operation.Index, cut.BytesWritten, cut.SectorsErased, cut.Garbage, _options.Seed));
        try
        {
            _scenario.Body(session);
            throw new InvalidOperationException($"the replay of {_scenario.Name} finished without reaching {cut}");
        }
        catch (PowerLossException ex) when (ex.OperationIndex == cut.Operation.Index)
        {
        }
    }

    /// <summary>The apps selected (confirmed or pending) at some point before operation <paramref name="operation"/>.</summary>
    public HashSet<string> SelectedBefore(int operation)
    {
        var apps = new HashSet<string>(_setupApps);
        foreach (var step in Steps)
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
            InterruptedErase.Apply(Work, op.Address, op.Length, cut.SectorsErased, cut.Garbage, _options.Seed, op.Index);
        }
    }
}
