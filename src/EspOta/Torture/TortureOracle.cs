using System.Text;
using EspOta.Boot;
using EspOta.Images;
using EspOta.OtaData;
using EspOta.Partitions;

namespace EspOta.Torture;

/// <summary>
/// Holds every boot after a cut to the <see cref="IdealOta"/> model: reboots the cut flash, drives one
/// <see cref="TortureContinuation"/> (the app's self-test) and records each broken invariant as a
/// <see cref="TortureViolation"/>, grouped into <see cref="TortureFinding"/>s by kind and step.
/// </summary>
internal sealed class TortureOracle(TortureScenario scenario, TortureOptions options, TortureReplay replay)
{
    private readonly List<TortureViolation> _violations = [];
    private readonly Dictionary<string, (TortureViolation First, int Count, SortedDictionary<int, int> Operations)> _findings = [];

    // The violations of the cut being judged, one entry per continuation that broke something; folded
    // into one violation per (kind, step) by EndCut, so a cut counts once however many continuations fail.
    private readonly List<TortureViolation> _thisCut = [];

    public long Reboots { get; private set; }

    public long Replays { get; private set; }

    /// <summary>Cut points at which at least one invariant broke (each counted once, whatever the continuations).</summary>
    public long ViolationCount { get; private set; }

    public IReadOnlyList<TortureViolation> Violations => _violations;

    public IReadOnlyList<TortureFinding> Findings =>
        _findings.Values.Select(f => new TortureFinding(f.First.Scenario, f.First.Rollback, f.First.Kind, f.First.Step, f.Count, f.First)
        {
            Operations = f.Operations.Count,
            Bytes = f.Operations.Values.Sum(n => (long)n),
            FirstOperation = f.Operations.Keys.First(),
            LastOperation = f.Operations.Keys.Last(),
        }).ToArray();

    /// <summary>
    /// What may boot after <paramref name="cut"/>: the model before its step, and also the model after
    /// it when the step is not atomic or its last operation already had its full effect.
    /// </summary>
    public IdealOta[] CandidatesAt(TortureCutPoint cut, TortureStep step)
    {
        bool complete = TortureCutPoints.IsEffectivelyComplete(cut, replay.Before, replay.Work.SectorSize);
        if (!step.Atomic && step.Intermediate is { } between)
        {
            return [step.Before, between, step.After];
        }

        return !step.Atomic || (complete && cut.Operation.Index == step.EndOperation - 1)
            ? [step.Before, step.After]
            : [step.Before];
    }

    /// <summary>Boots the cut flash and follows <paramref name="continuation"/>, checking every boot.</summary>
    /// <remarks>
    /// With <paramref name="resume"/> (only with <see cref="TortureContinuation.SelfTestPasses"/>): after the first boot the
    /// scenario's <see cref="TortureScenario.ResumeDownload"/> runs, its writes counted, and the device reboots into what it selected.
    /// </remarks>
    public void Judge(TortureContinuation continuation, TortureCutPoint cut, TortureStep step, IdealOta[] candidates, HashSet<string> selected, bool resume = false)
    {
        var writes = resume ? new WriteCounter() : null;
        var device = replay.OpenCutDevice(cut, writes is null ? null : new Flash.ObservedFlash(replay.Work, writes));

        // The ROM's first step, when the scenario models it: no loadable second-stage bootloader, no boot at all.
        BootResult Reboot()
        {
            if (scenario.RomBoot)
            {
                var rom = SecondStageCheck.RomStep(replay.Work, replay.Run.Chip, replay.BootOptions.PartitionTableOffset, device.Efuse.RecoveryBootloaderOffset);
                if (!rom.Loads)
                {
                    device.PowerCut();
                    return new BootResult { SelectedIndex = BootResult.InvalidIndex, Trace = [new BootStep(BootStepReason.RomFoundNoBootloader, rom.Reason)] };
                }
            }

            return device.Reboot();
        }
        uint floor = device.Efuse.SecureVersion.Version;
        int bootNumber = 0;
        bool skipped = false;
        bool refused = false;

        try
        {
            var boot = Check(ref candidates, Reboot());
            if (boot is null)
            {
                return;
            }

            switch (continuation)
            {
                case TortureContinuation.Unconfirmed:
                    candidates = [.. candidates.Select(c => c.AfterBoot())];
                    Check(ref candidates, Reboot());
                    break;

                case TortureContinuation.SelfTestPasses:
                    candidates = [.. candidates.Select(c => c.AfterBoot())];
                    string running = boot;
                    if (writes is not null)
                    {
                        writes.Armed = true;
                        var outcome = scenario.ResumeDownload!(new TortureResume(device, cut));
                        writes.Armed = false;
                        if (RewroteImage(outcome, writes) is { } rewrote)
                        {
                            Report(TortureViolationKind.ResumeRewroteImage, outcome.Selected, running, rewrote);
                            return;
                        }

                        refused = outcome.Refused is not null;
                        if (outcome.Selected is { } installed)
                        {
                            candidates = [.. candidates.Select(c => c.AfterSelect(installed))];
                            if (Check(ref candidates, Reboot()) is not { } next)
                            {
                                return;
                            }

                            candidates = [.. candidates.Select(c => c.AfterBoot())];
                            running = next;
                        }
                    }

                    try
                    {
                        device.Ota.MarkAppValidCancelRollback();
                    }
                    catch (EspException)
                    {
                        // ESP-IDF's answer (e.g. no otadata entry to confirm); the app runs on.
                    }

                    candidates = [.. candidates.Select(c => c.AfterMarkValid(running))];
                    if (Check(ref candidates, Reboot()) is { } last && writes is not null && !refused && scenario.ResumeTarget is { } target && last != target)
                    {
                        Report(TortureViolationKind.ResumeUnfinished, target, last, $"the resumed install ended on {last}, not on {target} confirmed");
                    }

                    break;

                case TortureContinuation.SelfTestFails:
                    candidates = [.. candidates.Select(c => c.AfterBoot())];
                    string app = boot;
                    if (!candidates.Any(c => HasRollbackTarget(c, app, device)))
                    {
                        // Only an update has a self-test to fail: with rollback, the unconfirmed one on trial; without,
                        // the one that just replaced an earlier app (the previous entry is still there to go back to).
                        skipped = true;
                        return;
                    }

                    try
                    {
                        device.Ota.MarkAppInvalidRollback();
                    }
                    catch (EspException ex)
                    {
                        var without = candidates.Where(c => !HasRollbackTarget(c, app, device)).ToArray();
                        if (without.Length == 0)
                        {
                            Report(TortureViolationKind.RollbackRefused, candidates[0].Confirmed, app, $"{ex.Code.GetName()}: {ex.Message}");
                            return;
                        }

                        candidates = without;
                    }

                    candidates = [.. candidates.Select(c => c.AfterMarkInvalid(app))];
                    if (Check(ref candidates, Reboot()) is null)
                    {
                        return;
                    }

                    candidates = [.. candidates.Select(c => c.AfterBoot())];
                    Check(ref candidates, Reboot());
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
                Replays++;
            }
        }

        // Returns the booted app, or null when this boot broke an invariant (reported).
        string? Check(ref IdealOta[] ideals, BootResult result)
        {
            bootNumber++;
            Reboots++;
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
            if (NotSignedByTrustedKey(device, result) is { } unsigned)
            {
                Report(TortureViolationKind.AppNotSignedByTrustedKeyBoots, ideals[0].ExpectedBoot, actual, $"{unsigned}\n{Describe(result)}");
                return null;
            }

            if (SelectsUnverifiable(device, result) is { } why)
            {
                Report(TortureViolationKind.OtaDataSelectsUnverifiableImage, ideals[0].ExpectedBoot, actual, $"{why}\n{Describe(result)}");
                return null;
            }

            if (scenario.FactoryReset && actual == TortureRun.FactoryAppName && replay.StartIdeal.Confirmed != actual && NotErased() is { } kept)
            {
                Report(TortureViolationKind.FactoryResetIncomplete, actual, actual, $"{kept}\n{Describe(result)}");
                return null;
            }

            if (device.Options.AntiRollback && result.App is { } app && app.SecureVersion < floor)
            {
                Report(TortureViolationKind.AppBelowSecureVersionBoots, ideals[0].ExpectedBoot, actual, $"{actual} has secure_version {app.SecureVersion}, eFuse was {floor} at the cut\n{Describe(result)}");
                return null;
            }

            return actual;
        }

        void Report(TortureViolationKind kind, string? expected, string? actual, string detail) =>
            _thisCut.Add(new TortureViolation(scenario.Name, options.Rollback, kind, step.Name, cut, continuation, bootNumber, expected, actual, options.Seed, detail)
            {
                ResumedDownload = resume,
            });
    }

    // Each image byte the checkpoint vouches for is written once: the resume writes exactly the bytes after it, none below.
    private static string? RewroteImage(TortureResumeOutcome outcome, WriteCounter writes)
    {
        if (outcome.Selected is null || outcome.Partition is not { } partition)
        {
            // Nothing installed: what it wrote (a forgotten checkpoint) is held to the boots that follow.
            return null;
        }

        long from = outcome.ResumedFrom ?? 0;
        long inside = writes.Within(partition.Offset, partition.End, out long lowest);
        long expected = outcome.ImageLength - from;
        return inside == expected && (inside == 0 || lowest >= partition.Offset + from)
            ? null
            : $"resumed at image byte {from}: wrote {inside} bytes into {partition.Label} (expected {expected}), the lowest at offset {lowest - partition.Offset}";
    }

    /// <summary>
    /// Closes the cut judged since the last call: every continuation that broke the same invariant in the
    /// same step becomes one violation (the first, with the others in <see cref="TortureViolation.AlsoFailed"/>),
    /// and the cut counts once in <see cref="ViolationCount"/> and once in each finding it belongs to.
    /// </summary>
    public void EndCut()
    {
        if (_thisCut.Count == 0)
        {
            return;
        }

        ViolationCount++;
        foreach (var group in _thisCut.GroupBy(v => $"{v.Kind}|{v.Step}"))
        {
            var first = group.First();
            var violation = first with { AlsoFailed = [.. group.Skip(1)] };
            if (_violations.Count < options.MaxRecordedViolations)
            {
                _violations.Add(violation);
            }

            var finding = _findings.TryGetValue(group.Key, out var f) ? (f.First, f.Count + 1, f.Operations) : (violation, 1, new SortedDictionary<int, int>());
            finding.Item3[first.Cut.Operation.Index] = first.Cut.Operation.Length;
            _findings[group.Key] = finding;
        }

        _thisCut.Clear();
    }

    // With rollback the app on trial may give up on itself; without, esp_ota_mark_app_invalid_rollback marks the
    // running (already permanent) app INVALID and the bootloader goes back to the previous entry, which
    // esp_ota_check_rollback_is_possible verifies first: under secure boot, an app signed only by keys revoked
    // since (a key rotation) is no target, and ESP-IDF refuses the rollback (ESP_ERR_OTA_ROLLBACK_FAILED).
    private bool HasRollbackTarget(IdealOta ideal, string running, Device.EspDevice device) => ideal.Rollback
        ? ideal.Pending == running
        : ideal.Pending is null && ideal.Confirmed == running && ideal.Previous is { } previous
            && replay.Run.SignedByUnrevokedKey(previous, device.SecureBoot?.Efuses);

    // The data partitions the factory reset erases that still hold a byte other than 0xFF.
    private string? NotErased()
    {
        var work = replay.Work;
        var kept = new List<string>();
        var buffer = new byte[work.SectorSize];
        foreach (string label in replay.BootOptions.FactoryResetDataPartitions)
        {
            if (replay.Run.Table.FindFirst(label: label) is not { } p)
            {
                continue;
            }

            for (long at = p.Offset; at < p.End; at += buffer.Length)
            {
                work.Read(at, buffer);
                if (buffer.AsSpan().ContainsAnyExcept((byte)0xFF))
                {
                    kept.Add($"{label} (0x{p.Offset:x}+0x{p.Size:x}) still holds data at 0x{at:x}");
                    break;
                }
            }
        }

        return kept.Count == 0 ? null : $"the factory reset took effect (factory app boots) but not every listed data partition is erased: {string.Join("; ", kept)}";
    }

    /// <summary>
    /// With secure boot: checks the booted app's signature on its own (not trusting the bootloader's verdict) against
    /// the eFuses as they are now; why it is not signed by a trusted, non-revoked key, or null.
    /// </summary>
    private static string? NotSignedByTrustedKey(Device.EspDevice device, BootResult result)
    {
        if (device.SecureBoot is not { } config || result.Booted is not { } booted)
        {
            return null;
        }

        var image = Images.ImageVerifier.Verify(device.Flash, booted, new Images.ImageVerifyOptions { ExpectedChip = config.Chip, SecureBootV2 = true });
        if (image is not { SignatureSector: { } sector, SignedData: { } digest })
        {
            return $"{booted.Label} booted, but its image has no signature sector ({image.FailureMessage})";
        }

        var verdict = Security.SecureBootChecks.VerifyAppAtBoot(new Security.SignedImageRegion(sector, digest), config.Efuses, config.Scheme, config.Capabilities);
        return verdict.IsValid ? null : $"{booted.Label} booted, but its signature does not verify with a trusted key ({config.Efuses}): {verdict}";
    }

    private string? SelectsUnverifiable(Device.EspDevice device, BootResult result)
    {
        var work = replay.Work;
        var table = result.Table;
        var partition = table?.FindFirst(PartitionType.Data, PartitionSubtypes.DataOta);
        if (table is null || partition is null)
        {
            return null;
        }

        if (new OtaSelection(work, table).ActiveSelection() is not { } selected)
        {
            return null;
        }

        var (active, slot, target) = selected;
        var entry = new OtaDataPartition(work, partition).Read(active);
        if (target is null)
        {
            return $"active otadata[{active}] ({entry}) selects ota_{slot}, which does not exist";
        }

        var verdict = (device.SecureBoot is null ? replay.Validator : device.Validator).Validate(work, target);
        return verdict.IsValid ? null : $"active otadata[{active}] ({entry}) selects {target.Label}, whose image does not verify: {verdict.Reason}";
    }

    // Counts what the resume continuation writes (armed only while the scenario's resume runs).
    private sealed class WriteCounter : Flash.IFlashObserver
    {
        private readonly List<(long Address, int Length)> _writes = [];

        public bool Armed { get; set; }

        public void OnWrite(long address, ReadOnlySpan<byte> data)
        {
            if (Armed)
            {
                _writes.Add((address, data.Length));
            }
        }

        public void OnErase(long address, long length)
        {
        }

        public long Within(long start, long end, out long lowest)
        {
            long total = 0;
            lowest = long.MaxValue;
            foreach (var (address, length) in _writes)
            {
                long from = Math.Max(address, start);
                long to = Math.Min(address + length, end);
                if (to > from)
                {
                    total += to - from;
                    lowest = Math.Min(lowest, from);
                }
            }

            return total;
        }
    }

    private static string Describe(BootResult result)
    {
        var text = new StringBuilder();
        foreach (var line in result.Steps)
        {
            text.Append("  boot: ").AppendLine(line);
        }

        return text.ToString();
    }
}
