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
    private Efuse _setupEfuse = new();

    // The eFuses before each operation of the clean run, and after its last.
    private Efuse[] _efuseBefore = [];
    private Efuse _efuseAtEnd = new();

    public TortureReplay(TortureScenario scenario, TortureOptions options)
    {
        _scenario = scenario;
        _options = options;
        Run = new TortureRun(options, scenario);
        Validator = new CachingImageValidator(
            new EspImageValidator(new ImageVerifyOptions { ExpectedChip = Run.Chip, RequireAppDescription = true }),
            options.CacheVerification);
        BootOptions = new BootOptions
        {
            Rollback = options.Rollback,
            AntiRollback = options.Rollback && scenario.AntiRollback,
            FactoryReset = scenario.FactoryReset,
            FactoryResetErasesOtaData = scenario.FactoryReset,
            FactoryResetDataPartitions = scenario.FactoryReset ? scenario.FactoryResetErases : [],
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

    /// <summary>The ideal model at the start of the body.</summary>
    public IdealOta StartIdeal => _startIdeal;

    /// <summary>
    /// A copy of the chip's eFuses at <paramref name="cut"/>: as the clean run had them when the cut operation began
    /// (a cut at a revocation after the body's last operation: as the body left them).
    /// </summary>
    public Efuse EfuseAt(TortureCutPoint cut) =>
        (cut.Operation.Index < _efuseBefore.Length ? _efuseBefore[cut.Operation.Index] : _efuseAtEnd).Clone();

    /// <summary>Whether the clean run burned eFuses after operation <paramref name="index"/> completed and before the next one began (or the body ended).</summary>
    public bool EfuseBurnFollows(int index) =>
        !(index + 1 < _efuseBefore.Length ? _efuseBefore[index + 1] : _efuseAtEnd).SameFusesAs(_efuseBefore[index]);

    /// <summary>The body's Secure Boot key revocations in the clean run (flash operations done before each, slot, step).</summary>
    public IReadOnlyList<(int Operation, int Slot, TortureStep Step)> Revocations { get; private set; } = [];

    /// <summary>
    /// A device on <paramref name="flash"/> with the sweep's bootloader configuration, validator and <paramref name="efuse"/>
    /// (null: unburnt); with secure boot, fresh Secure Boot eFuses (as the setup and the body start).
    /// </summary>
    public EspDevice OpenDevice(IFlash flash, Efuse? efuse = null) => OpenDevice(flash, [], efuse);

    /// <summary>The device that reboots after the last <see cref="Cut"/> (<paramref name="cut"/>): every eFuse as it was when the power failed.</summary>
    public EspDevice OpenCutDevice(TortureCutPoint cut, IFlash? flash = null) => OpenDevice(flash ?? Work, _revokedAtCut, EfuseAt(cut));

    private EspDevice OpenDevice(IFlash flash, IEnumerable<int> revoked, Efuse? efuse) => Run.SecureBoot
        // Signature checks depend on the eFuse state, which the content-token cache does not see: not cached.
        ? EspDevice.OpenSigned(flash, Run.SecureBootConfig(revoked), BootOptions, efuse)
        : EspDevice.Open(flash, BootOptions, efuse, Validator);

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

        _setupEfuse = new Efuse();
        var setup = new TortureSession(Run, OpenDevice(_initial, _setupEfuse), () => 0, null);
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
        var bodyEfuse = _setupEfuse.Clone();
        var trail = new EfuseTrail(recorder, bodyEfuse);
        var faults = new FaultInjectingFlash(new ObservedFlash(_baseline, trail));
        var body = new TortureSession(Run, OpenDevice(faults, bodyEfuse), () => faults.OperationCount, _startIdeal, _setup);
        _scenario.Body(body);
        Operations = recorder.Operations;
        _efuseBefore = [.. trail.Before];
        _efuseAtEnd = bodyEfuse.Clone();
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
        var session = new TortureSession(Run, OpenDevice(faults, _setupEfuse.Clone()), () => faults.OperationCount, _startIdeal, _setup);
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

    // Notes the secure-version bits as each operation begins, then lets the recorder see it.
    private sealed class EfuseTrail(FlashOperationRecorder recorder, Efuse efuse) : IFlashObserver
    {
        public List<Efuse> Before { get; } = [];

        public void OnWrite(long address, ReadOnlySpan<byte> data)
        {
            Before.Add(efuse.Clone());
            recorder.OnWrite(address, data);
        }

        public void OnErase(long address, long length)
        {
            Before.Add(efuse.Clone());
            recorder.OnErase(address, length);
        }
    }
}
