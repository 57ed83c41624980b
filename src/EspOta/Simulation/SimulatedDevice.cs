using System.Diagnostics;
using EspOta.Boot;
using EspOta.Device;
using EspOta.Flash;
using EspOta.Images;
using EspOta.OtaData;
using EspOta.Updates;

using EspOta.Http;

namespace EspOta.Simulation;

/// <summary>
/// A device running the OTA example app: boot, confirm or roll back a pending app after its
/// self-test, ask the server, install with <see cref="HttpOtaClient"/>, reboot into the new app and
/// self-test it — reporting every step to the server and keeping a timeline.
/// </summary>
public sealed class SimulatedDevice
{
    private readonly HttpOtaClient _client;
    private readonly SimulatedDeviceOptions _options;
    private readonly IOtaCheckpointStore _checkpoints;
    private readonly List<DeviceStep> _timeline = [];
    private readonly Stopwatch _clock = Stopwatch.StartNew();
    private readonly TimedFlash? _timed;
    private string? _pendingSha256;

    /// <summary>A powered-off device with <paramref name="flash"/>; the first cycle boots it.</summary>
    public SimulatedDevice(string id, Chip chip, IFlash flash, HttpOtaClient client, SimulatedDeviceOptions? options = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(id);
        ArgumentNullException.ThrowIfNull(chip);
        ArgumentNullException.ThrowIfNull(flash);
        ArgumentNullException.ThrowIfNull(client);
        Id = id;
        Chip = chip;
        _client = client;
        _options = options ?? new SimulatedDeviceOptions();
        _checkpoints = _options.Checkpoints ?? new MemoryOtaCheckpointStore();
        var boot = _options.Boot ?? new BootOptions { Rollback = true };
        if (_options.FlashTiming is { } timing)
        {
            // Everything the device does to flash (bootloader, OTA writes, verification reads) goes through the clock.
            _timed = new TimedFlash(flash, timing);
            flash = _timed;
        }

        Device = _options.SecureBoot is { } secureBoot
            ? EspDevice.OpenSigned(flash, secureBoot, boot, _options.Efuse)
            : EspDevice.Open(flash, boot, _options.Efuse, _options.Validator ?? EspImageValidator.ForChip(chip));
    }

    /// <summary>The device id sent to the server.</summary>
    public string Id { get; }

    /// <summary>The chip.</summary>
    public Chip Chip { get; }

    /// <summary>The emulated hardware.</summary>
    public EspDevice Device { get; }

    /// <summary>
    /// Modelled time the device's flash operations would take on the real chip so far (erase, program, read; typical
    /// and maximum), or null when <see cref="SimulatedDeviceOptions.FlashTiming"/> is not set.
    /// </summary>
    public FlashDuration? FlashTime => _timed?.Elapsed;

    /// <summary>The timed flash, when flash time is modelled (its erase, program and read clocks).</summary>
    public TimedFlash? TimedFlash => _timed;

    /// <summary>Every step so far.</summary>
    public IReadOnlyList<DeviceStep> Timeline => _timeline;

    /// <summary>The running app's description, if an app runs.</summary>
    public AppDescription? RunningApp => Device.IsRunning ? Device.LastBoot?.App : null;

    /// <summary>
    /// One cycle: power on if off, settle a pending app, check for an update and, if there is one,
    /// install it, reboot and self-test it.
    /// </summary>
    public async Task<DeviceCycleResult> RunCycleAsync(CancellationToken cancellationToken = default)
    {
        if (!Device.IsRunning && await BootAsync(null, null, cancellationToken).ConfigureAwait(false) is { } bricked)
        {
            return bricked;
        }

        var settled = await SettlePendingAppAsync(null, null, cancellationToken).ConfigureAwait(false);
        if (settled is not null)
        {
            return settled;
        }

        if (RunningApp is not { } running)
        {
            var error = new EspException(EspError.NotFound, $"{Id}: no app runs after boot");
            await StepAsync(DeviceReportKind.Failed, null, null, error.Message, cancellationToken).ConfigureAwait(false);
            return new DeviceCycleResult(DeviceCycleOutcome.Failed, null, null, error, null);
        }

        await StepAsync(DeviceReportKind.Checking, running.Version, null, null, cancellationToken).ConfigureAwait(false);
        UpdateOffer? offer;
        try
        {
            var request = new UpdateCheckRequest(Id, Chip.Name, running.ProjectName, running.Version, running.SecureVersion)
            {
                // What esp_delta_ota's example compares the patch header with: the server may offer a patch from it.
                RunningSha256 = Device.RunningPartition is { } partition ? DeltaInstall.TryRunningSha256(Device, partition) : null,
            };
            offer = await _client.CheckAsync(request, cancellationToken).ConfigureAwait(false);
        }
        catch (EspException e)
        {
            await StepAsync(DeviceReportKind.Failed, running.Version, null, $"update check failed: {e.Message}", cancellationToken).ConfigureAwait(false);
            return new DeviceCycleResult(DeviceCycleOutcome.Failed, running.Version, null, e, null);
        }

        if (offer is null)
        {
            return new DeviceCycleResult(DeviceCycleOutcome.UpToDate, running.Version, null, null, null);
        }

        await StepAsync(DeviceReportKind.Downloading, offer.Version, offer.Sha256, $"{offer.Size} bytes", cancellationToken).ConfigureAwait(false);
        HttpOtaResult install;
        try
        {
            install = await _client.InstallAsync(Device, Chip, offer, _checkpoints, _options.Progress, cancellationToken).ConfigureAwait(false);
        }
        catch (HttpOtaRefusedException e)
        {
            await StepAsync(DeviceReportKind.Failed, offer.Version, offer.Sha256, e.Message, cancellationToken).ConfigureAwait(false);
            return new DeviceCycleResult(DeviceCycleOutcome.Refused, running.Version, offer.Version, e, null);
        }
        catch (EspException e)
        {
            await StepAsync(DeviceReportKind.Failed, offer.Version, offer.Sha256, e.Message, cancellationToken).ConfigureAwait(false);
            return new DeviceCycleResult(DeviceCycleOutcome.Failed, running.Version, offer.Version, e, null);
        }

        await StepAsync(DeviceReportKind.Written, offer.Version, offer.Sha256, $"{install.Partition.Label}, {install.BytesDownloaded} bytes in {install.Requests} requests, {install.Retries} retries", cancellationToken).ConfigureAwait(false);
        await StepAsync(DeviceReportKind.Rebooting, offer.Version, offer.Sha256, $"boot partition {install.Partition.Label}", cancellationToken).ConfigureAwait(false);
        _pendingSha256 = offer.Sha256;
        if (await BootAsync(offer, install, cancellationToken).ConfigureAwait(false) is { } unbootable)
        {
            return unbootable;
        }

        var result = await SettlePendingAppAsync(offer, install, cancellationToken).ConfigureAwait(false);
        if (result is not null)
        {
            return result;
        }

        // The bootloader did not start the new app (it would not load): the old one still runs.
        string now = RunningApp?.Version ?? "";
        await StepAsync(DeviceReportKind.Failed, offer.Version, offer.Sha256, $"the bootloader did not start {offer.Version}; {now} runs", cancellationToken).ConfigureAwait(false);
        return new DeviceCycleResult(DeviceCycleOutcome.Failed, now, offer.Version, null, install);
    }

    /// <summary>Reboots; a failed cycle when the bootloader found nothing to boot (the device loops in reset), null otherwise.</summary>
    private async Task<DeviceCycleResult?> BootAsync(UpdateOffer? offer, HttpOtaResult? install, CancellationToken cancellationToken)
    {
        var boot = Device.Reboot();
        if (boot.IsReset)
        {
            // A real device would sit in a reset loop; the simulation records it instead of crashing its host.
            var error = new EspException(EspError.NotFound, $"{Id}: the bootloader found nothing to boot: {string.Join("; ", boot.Steps)}");
            await StepAsync(DeviceReportKind.Failed, offer?.Version, offer?.Sha256, error.Message, cancellationToken).ConfigureAwait(false);
            return new DeviceCycleResult(DeviceCycleOutcome.Failed, null, offer?.Version, error, install);
        }

        await StepAsync(DeviceReportKind.Booted, boot.App?.Version, null, $"{boot.Booted!.Label}", cancellationToken).ConfigureAwait(false);
        return null;
    }

    /// <summary>
    /// <see cref="SimulatedDeviceOptions.RevokeKeysOnConfirm"/>: what a key-rotating app does once its update is confirmed,
    /// <c>esp_ota_revoke_secure_boot_public_key</c> for each slot not yet revoked. ESP-IDF refuses (and nothing is burnt)
    /// unless the running app and the bootloader verify with another key; the refusal is noted, the app runs on.
    /// </summary>
    private string RevokeKeysAfterConfirm()
    {
        var notes = new System.Text.StringBuilder();
        foreach (int slot in _options.RevokeKeysOnConfirm)
        {
            if (Device.SecureBoot is not { } config || (slot >= 0 && slot < config.Efuses.Slots && config.Efuses.Revoked[slot]))
            {
                continue;
            }

            try
            {
                Device.RevokeSecureBootPublicKey(slot);
                notes.Append($"; KEY_REVOKE{slot} burnt");
            }
            catch (EspException e)
            {
                notes.Append($"; key {slot} not revoked ({e.Code.GetName()}: {e.Message})");
            }
        }

        return notes.ToString();
    }

    /// <summary>When the running app is PENDING_VERIFY, runs its self-test and confirms it or rolls back.</summary>
    private async Task<DeviceCycleResult?> SettlePendingAppAsync(UpdateOffer? offer, HttpOtaResult? install, CancellationToken cancellationToken)
    {
        var ota = Device.Ota;
        var partition = ota.GetRunningPartition();
        if (!partition.IsOtaSlot || StateOf(ota, partition) != OtaImageState.PendingVerify)
        {
            return offer is not null && RunningApp?.Version == offer.Version
                ? new DeviceCycleResult(DeviceCycleOutcome.Updated, offer.Version, offer.Version, null, install)
                : null;
        }

        var app = RunningApp!;
        string? sha = _pendingSha256;
        switch (_options.SelfTest(app))
        {
            case SelfTestOutcome.Pass:
                ota.MarkAppValidCancelRollback();
                _pendingSha256 = null;
                string revocations = RevokeKeysAfterConfirm();
                await StepAsync(DeviceReportKind.Confirmed, app.Version, sha, $"self-test passed in {partition.Label}{revocations}", cancellationToken).ConfigureAwait(false);
                return new DeviceCycleResult(DeviceCycleOutcome.Updated, app.Version, offer?.Version ?? app.Version, null, install);
            case SelfTestOutcome.Fail:
                try
                {
                    ota.MarkAppInvalidRollbackAndReboot();
                }
                catch (EspException e)
                {
                    // esp_ota_mark_app_invalid_rollback_and_reboot returned an error (no app to roll
                    // back to): the new app keeps running, still PENDING_VERIFY, and says so.
                    await StepAsync(DeviceReportKind.Failed, app.Version, sha, $"self-test failed and the rollback failed: {e.Message}", cancellationToken).ConfigureAwait(false);
                    return new DeviceCycleResult(DeviceCycleOutcome.Failed, RunningApp?.Version, offer?.Version ?? app.Version, e, install);
                }

                if (await ReportRollbackAsync(app, sha, "self-test failed", offer, install, cancellationToken).ConfigureAwait(false) is { } failedRollback)
                {
                    return failedRollback;
                }

                break;
            default:
                // The watchdog resets the chip; the bootloader sees PENDING_VERIFY and aborts it.
                Device.Reboot();
                if (await ReportRollbackAsync(app, sha, "self-test hung; the watchdog reset the chip", offer, install, cancellationToken).ConfigureAwait(false) is { } failedReset)
                {
                    return failedReset;
                }

                break;
        }

        _pendingSha256 = null;
        return new DeviceCycleResult(DeviceCycleOutcome.RolledBack, RunningApp?.Version, offer?.Version ?? app.Version, null, install);
    }

    private static OtaImageState StateOf(OtaOperations ota, Partitions.Partition partition)
    {
        try
        {
            return ota.GetStatePartition(partition);
        }
        catch (EspException e) when (e.Code == EspError.NotFound)
        {
            // No otadata entry names the slot (booted by the bootloader's fallback): nothing is pending.
            return OtaImageState.Undefined;
        }
    }

    /// <summary>Reports the rollback; a failed cycle when nothing booted after it, null otherwise.</summary>
    private async Task<DeviceCycleResult?> ReportRollbackAsync(AppDescription abandoned, string? sha, string reason, UpdateOffer? offer, HttpOtaResult? install, CancellationToken cancellationToken)
    {
        if (Device.LastBoot is not { IsReset: false } boot)
        {
            _pendingSha256 = null;
            var error = new EspException(EspError.NotFound, $"{Id}: nothing booted after abandoning {abandoned.Version} ({reason})");
            await StepAsync(DeviceReportKind.Failed, abandoned.Version, sha, error.Message, cancellationToken).ConfigureAwait(false);
            return new DeviceCycleResult(DeviceCycleOutcome.Failed, null, offer?.Version ?? abandoned.Version, error, install);
        }

        await StepAsync(DeviceReportKind.RolledBack, abandoned.Version, sha, $"{reason}; {boot.App?.Version} runs from {boot.Booted!.Label}", cancellationToken).ConfigureAwait(false);
        return null;
    }

    private async Task StepAsync(DeviceReportKind kind, string? version, string? sha256, string? detail, CancellationToken cancellationToken)
    {
        var step = new DeviceStep(kind, version, detail, _clock.Elapsed) { FlashTime = _timed?.Elapsed };
        _timeline.Add(step);
        var running = RunningApp;
        await _client.ReportAsync(Id, new DeviceReport(kind, version, sha256, detail, Chip.Name, running?.ProjectName, running?.Version), cancellationToken).ConfigureAwait(false);
        _options.OnStep?.Invoke(step);
    }
}
