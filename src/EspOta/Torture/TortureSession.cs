using EspOta.Boot;
using EspOta.Device;
using EspOta.Flash;
using EspOta.Partitions;
using EspOta.Updates;

namespace EspOta.Torture;

/// <summary>
/// What a scenario drives: a device and its app's OTA calls, each wrapped as a <see cref="TortureStep"/>
/// that records its flash operations and moves the <see cref="IdealOta"/> model along.
/// </summary>
public sealed class TortureSession
{
    private readonly TortureRun _run;
    private readonly Func<long> _operationCount;
    private readonly List<TortureStep> _steps = [];
    private readonly List<string> _selected = [];
    private readonly List<(int Operation, int Slot, TortureStep Step)> _revocations = [];
    private readonly OtaOperations? _runningAtStart;
    private readonly string? _runningAppAtStart;
    private OtaUpdate? _update;
    private string? _updateApp;
    private long _updateOffset;
    private List<(string Name, int At)>? _splits;

    internal TortureSession(TortureRun run, EspDevice device, Func<long> operationCount, IdealOta? ideal, TortureSession? continueFrom = null)
    {
        if (continueFrom?.Device.LastBoot is { Booted: { } running } last)
        {
            // The body continues the app the setup left running; nothing about it lives outside flash.
            _runningAtStart = new OtaOperations(device.Flash, last.Table!, running, device.Options, device.Validator, device.Efuse, () => device.Reboot(), validated: true);
            _runningAppAtStart = last.App?.Version;
        }

        _run = run;
        Device = device;
        _operationCount = operationCount;
        Ideal = ideal ?? default;
        HasIdeal = ideal is not null;
    }

    /// <summary>The device under test.</summary>
    public EspDevice Device { get; }

    /// <summary>The ideal model after the steps so far.</summary>
    public IdealOta Ideal { get; private set; }

    /// <summary>The steps so far.</summary>
    public IReadOnlyList<TortureStep> Steps => _steps;

    /// <summary>Size of the app images.</summary>
    public long ImageSize => _run.ImageSize;

    internal bool HasIdeal { get; private set; }

    internal IReadOnlyList<string> SelectedApps => _selected;

    /// <summary>The app image named <paramref name="version"/> (built once per run; the name is its version string).</summary>
    public ReadOnlyMemory<byte> Image(string version) => _run.Image(version);

    /// <summary>Flashes <paramref name="version"/> into <paramref name="label"/> directly, as esptool would over serial (setup only).</summary>
    public void Install(string label, string version)
    {
        var partition = _run.Table.FindFirst(label: label) ?? throw new ArgumentException($"no partition {label}", nameof(label));
        Device.Flash.Erase(partition.Offset, partition.Size);
        Device.Flash.Write(partition.Offset, Image(version).Span);
        if (!partition.IsTest)
        {
            // A test app is never selected through otadata: it boots only as the bootloader's last resort.
            _selected.Add(version);
        }
    }

    /// <summary>Flashes the second-stage bootloader <paramref name="version"/> at the chip's bootloader offset (setup only).</summary>
    public void InstallBootloader(string version)
    {
        var region = _run.PrimaryBootloader;
        Device.Flash.Erase(region.Offset, region.Size);
        Device.Flash.Write(region.Offset, _run.BootloaderImage(version).Span);
    }

    /// <summary>A second-stage bootloader image of the run's chip (see <see cref="InstallBootloader"/>).</summary>
    public ReadOnlyMemory<byte> BootloaderImage(string version) => _run.BootloaderImage(version);

    /// <summary>The primary bootloader region (<c>PrimaryBTLDR</c>, registered outside the table as ESP-IDF does).</summary>
    public Partition PrimaryBootloader => _run.PrimaryBootloader;

    /// <summary>The recovery bootloader region (<c>RecoveryBTLDR</c>), or null when the scenario has none.</summary>
    public Partition? RecoveryBootloader => _run.RecoveryBootloader;

    /// <summary>The primary partition table region (<c>PrimaryPrtTable</c>).</summary>
    public Partition PrimaryPartitionTable => _run.PrimaryPartitionTable;

    /// <summary>Fills data partition <paramref name="label"/> with seeded user data, no byte 0xFF (setup only).</summary>
    public void FillData(string label)
    {
        var partition = _run.Table.FindFirst(label: label) ?? throw new ArgumentException($"no partition {label}", nameof(label));
        var data = new byte[partition.Size];
        for (int i = 0; i < data.Length; i++)
        {
            data[i] = (byte)(SplitMix.Mix(label.Length, i, 0x44415441) % 0xFF);
        }

        Device.Flash.Erase(partition.Offset, partition.Size);
        Device.Flash.Write(partition.Offset, data);
    }

    /// <summary>
    /// Declares <paramref name="app"/> the confirmed app without booting (setup only): the device stays
    /// off, so the body starts with a power-on.
    /// </summary>
    public void AssumeConfirmed(string app)
    {
        if (HasIdeal)
        {
            throw new InvalidOperationException("the model already has a confirmed app");
        }

        Ideal = new IdealOta(Device.Options.Rollback, app, null, null, false) { Factory = _run.Factory };
        HasIdeal = true;
    }

    /// <summary>Reset: the bootloader runs and picks the app. The clean run must boot what the model expects.</summary>
    public BootResult Boot(bool factoryResetPinHeld = false)
    {
        BootResult? result = null;
        if (factoryResetPinHeld)
        {
            // The reset erases the otadata copies one after the other: the rollback target's entry may go first.
            Step("boot: factory reset", () => result = Device.Reboot(factoryResetPinHeld: true), i => i.AfterFactoryReset(_run.FactoryApp), atomic: false, intermediate: i => i.AfterPreviousErased());
        }
        else
        {
            Step("boot: bootloader", () => result = Device.Reboot(), i => i.AfterBoot());
        }

        string? booted = result!.App?.Version;
        if (!HasIdeal)
        {
            Ideal = new IdealOta(Device.Options.Rollback, booted ?? throw new InvalidOperationException("the first boot of the setup ran no app"), null, null, false) { Factory = _run.Factory };
            HasIdeal = true;
            _steps.Clear();
            return result;
        }

        string expected = _steps[^1].Before.ExpectedBoot;
        if (factoryResetPinHeld)
        {
            expected = _run.FactoryApp;
        }

        if (booted != expected)
        {
            throw new InvalidOperationException($"the scenario's clean run booted {booted ?? "nothing"} where the model expects {expected}");
        }

        return result;
    }

    /// <summary>
    /// A whole OTA of <paramref name="version"/> into the next update partition:
    /// <c>esp_ota_begin</c>, writes, <c>esp_ota_end</c>, <c>esp_ota_set_boot_partition</c>.
    /// </summary>
    public void Update(string version, OtaImageSize size)
    {
        Begin(version, size);
        Write(long.MaxValue);
        End();
        SetBoot();
    }

    /// <summary><c>esp_ota_begin</c> on the next update partition for <paramref name="version"/>.</summary>
    public void Begin(string version, OtaImageSize size)
    {
        var ota = Ota;
        var next = ota.GetNextUpdatePartition() ?? throw new InvalidOperationException("no update partition");
        // The target holds the previous app: once its erase starts, a rollback to it may or may not be possible.
        Step("esp_ota_begin", () => _update = ota.Begin(next, size), i => i.AfterPreviousErased(), atomic: false);
        _updateApp = version;
        _updateOffset = 0;
    }

    /// <summary><c>esp_ota_write</c> of the image in chunks, up to byte <paramref name="end"/> of the image.</summary>
    public void Write(long end)
    {
        var update = _update ?? throw new InvalidOperationException("no OTA session");
        var image = Image(_updateApp!);
        long stop = Math.Min(end, image.Length);
        Step("esp_ota_write", () =>
        {
            while (_updateOffset < stop)
            {
                int n = (int)Math.Min(_run.ChunkSize, stop - _updateOffset);
                update.Write(image.Span.Slice((int)_updateOffset, n));
                _updateOffset += n;
            }
        }, i => i);
    }

    /// <summary>
    /// Writes into the open session with <paramref name="write"/> (for example a patch applier producing
    /// the image, issue 12) as one step; a later <see cref="Resume"/> continues where it stopped.
    /// </summary>
    public void WriteUsing(string name, Action<OtaUpdate> write)
    {
        ArgumentNullException.ThrowIfNull(write);
        var update = _update ?? throw new InvalidOperationException("no OTA session");
        Step(name, () =>
        {
            write(update);
            _updateOffset = update.BytesWritten;
        }, i => i);
    }

    /// <summary>The download stops (connection lost and the device reset) after the bytes written so far.</summary>
    public void InterruptDownload()
    {
        _update = null;
        Boot();
    }

    /// <summary><c>esp_ota_resume</c>: continue the interrupted download where it stopped (the partition was erased by Begin).</summary>
    public void Resume()
    {
        var ota = Ota;
        var next = ota.GetNextUpdatePartition() ?? throw new InvalidOperationException("no update partition");
        Step("esp_ota_resume", () => _update = ota.Resume(next, OtaImageSize.Unknown, _updateOffset), i => i);
    }

    /// <summary><c>esp_ota_end</c>: the image is verified.</summary>
    public void End()
    {
        var update = _update ?? throw new InvalidOperationException("no OTA session");
        Step("esp_ota_end", () => update.End(), i => i);
        _update = null;
    }

    /// <summary><c>esp_ota_set_boot_partition</c> of the partition just written.</summary>
    public void SetBoot()
    {
        var ota = Ota;
        var next = ota.GetNextUpdatePartition() ?? throw new InvalidOperationException("no update partition");
        string app = _updateApp ?? throw new InvalidOperationException("nothing was written");
        Step("esp_ota_set_boot_partition", () => ota.SetBootPartition(next), i => i.AfterSelect(app));
        _selected.Add(app);
    }

    /// <summary>The self-test passed: <c>esp_ota_mark_app_valid_cancel_rollback</c>.</summary>
    public void MarkValid()
    {
        string running = RunningApp;
        Step("esp_ota_mark_app_valid_cancel_rollback", Ota.MarkAppValidCancelRollback, i => i.AfterMarkValid(running));
    }

    /// <summary>The self-test failed: <c>esp_ota_mark_app_invalid_rollback_and_reboot</c>.</summary>
    public void MarkInvalidAndReboot()
    {
        string running = RunningApp;
        // The app has given up on itself: landing on the rollback target early is the outcome it asked for.
        Step("esp_ota_mark_app_invalid_rollback", Ota.MarkAppInvalidRollback, i => i.AfterMarkInvalid(running), atomic: false);
        Boot();
    }

    /// <summary><c>esp_ota_erase_last_boot_app_partition</c>.</summary>
    public void EraseLastBootAppPartition() =>
        Step("esp_ota_erase_last_boot_app_partition", Ota.EraseLastBootAppPartition, i => i.AfterPreviousErased(), atomic: false);

    /// <summary>
    /// Any other step (tests use this to inject a deliberately broken otadata writer): runs
    /// <paramref name="action"/> and moves the model with <paramref name="transition"/>.
    /// </summary>
    public void Step(string name, Action action, Func<IdealOta, IdealOta> transition, bool atomic = true) =>
        Step(name, action, transition, atomic, intermediate: null);

    /// <summary>
    /// As <see cref="Step(string, Action, Func{IdealOta, IdealOta}, bool)"/>, for a non-atomic step with one more
    /// state a cut may leave between before and after (<see cref="TortureStep.Intermediate"/>).
    /// </summary>
    public void Step(string name, Action action, Func<IdealOta, IdealOta> transition, bool atomic, Func<IdealOta, IdealOta>? intermediate)
    {
        ArgumentNullException.ThrowIfNull(action);
        ArgumentNullException.ThrowIfNull(transition);
        var before = Ideal;
        int first = (int)_operationCount();
        var splits = new List<(string Name, int At)>();
        _splits = splits;
        try
        {
            action();
        }
        finally
        {
            _splits = null;
        }

        Ideal = HasIdeal ? transition(before) : before;
        int end = (int)_operationCount();
        _steps.Add(new TortureStep(name, first, splits.Count > 0 ? splits[0].At : end, before, Ideal, atomic)
        {
            Intermediate = HasIdeal && intermediate is not null ? intermediate(before) : null,
        });
        for (int i = 0; i < splits.Count; i++)
        {
            // What follows the step's effect is bookkeeping: it starts and ends in the after state.
            _steps.Add(new TortureStep(splits[i].Name, splits[i].At, i + 1 < splits.Count ? splits[i + 1].At : end, Ideal, Ideal));
        }
    }

    /// <summary>
    /// Called from inside a running <see cref="Step(string, Action, Func{IdealOta, IdealOta}, bool)"/> action (for
    /// example from a callback of code that does several things in one call, as <c>esp_https_ota_finish</c> sets the
    /// boot partition and the app then forgets its checkpoint): the operations so far carry the step's effect,
    /// those from here on are a follow-up step <paramref name="name"/> that starts and ends in the step's after state.
    /// </summary>
    public void SplitStep(string name)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        var splits = _splits ?? throw new InvalidOperationException("SplitStep is called from inside a step's action");
        splits.Add((name, (int)_operationCount()));
    }

    /// <summary>The eFuse revocations of the steps so far: the flash operations done when each was burnt, its slot, its step.</summary>
    internal IReadOnlyList<(int Operation, int Slot, TortureStep Step)> Revocations => _revocations;

    /// <summary>
    /// <c>esp_ota_revoke_secure_boot_public_key(slot)</c> from the running app: burns the slot's <c>KEY_REVOKE</c>
    /// eFuse once the running app and the bootloader verify with another key. No flash operation; the sweep cuts
    /// the power just before and just after the burn (an eFuse bit is burnt or not).
    /// </summary>
    public void RevokeSecureBootKey(int slot)
    {
        Step($"esp_ota_revoke_secure_boot_public_key({slot})", () => Device.RevokeSecureBootPublicKey(slot), i => i);
        _revocations.Add(((int)_operationCount(), slot, _steps[^1]));
    }

    /// <summary>The version of the running app.</summary>
    public string RunningApp => Device.IsRunning
        ? Device.LastBoot?.App?.Version ?? throw new InvalidOperationException("the running app has no description")
        : _runningAppAtStart ?? throw new InvalidOperationException("no app is running");

    /// <summary>The OTA API of the running app (the one the setup left running until the body's first boot).</summary>
    public OtaOperations Ota => Device.IsRunning || _runningAtStart is null ? Device.Ota : _runningAtStart;

    /// <summary>The partition table of the device.</summary>
    public PartitionTable Table => _run.Table;
}
