using EspOta.Server.Updates;

namespace EspOta.Server.Rollouts;

/// <summary>
/// Decides what a device checking for an update gets, and says why. In order: a pin; a roll-back
/// action of a rollout the device took; the newest rollout whose reached stages cover it; when no
/// rollout was ever made for its project and chip, the newest compatible version (the server's
/// original policy). Otherwise the device stays where it is. No rule offers an image the project's signing
/// policy withholds (Signing/: none of its signers is still trusted).
/// </summary>
public static class UpdateDecider
{
    /// <summary>Decides for <paramref name="device"/>.</summary>
    /// <param name="device">The device checking.</param>
    /// <param name="rollouts">Every rollout.</param>
    /// <param name="devices">Every known device (the populations stages are cut from).</param>
    /// <param name="catalog">The firmware of the device's project and chip.</param>
    /// <param name="rejected">SHA-256s of firmware the device rolled back from (never offered again: it would loop).</param>
    /// <param name="latest">What the newest-version policy would offer, for projects without rollouts (chosen among images not withheld).</param>
    /// <param name="stageOf">
    /// The stage of the device in a rollout it is in the audience of but not a member of, when the
    /// caller has it already (the server's <c>FleetPlacement</c>); it must equal
    /// <c>rollout.StagesOf(devices)</c>'s. Null: computed from <paramref name="devices"/>.
    /// </param>
    /// <param name="withheld">SHA-256s of images the signing policy withholds, with the reason; null or empty: none.</param>
    public static UpdateDecision Decide(
        DeviceFacts device,
        IReadOnlyList<Rollout> rollouts,
        IReadOnlyList<DeviceFacts> devices,
        IReadOnlyList<RolloutFirmware> catalog,
        IReadOnlySet<string> rejected,
        RolloutFirmware? latest,
        IReadOnlyDictionary<string, string>? withheld = null,
        Func<Rollout, int>? stageOf = null)
    {
        withheld ??= new Dictionary<string, string>();
        var reasons = new List<string>();
        UpdateDecision Nothing(DecisionRule rule, string? rolloutId = null, int? stage = null) => new(device.Id, null, rule, rolloutId, stage, reasons);
        foreach (var image in catalog.Where(f => withheld.ContainsKey(f.Sha256)))
        {
            reasons.Add($"{image.Version} is withheld by the signing policy: {withheld[image.Sha256]}");
        }

        if (device.PinnedVersion is { } pin)
        {
            if (device.Version == pin)
            {
                reasons.Add($"pinned to {pin}, which it runs");
                return Nothing(DecisionRule.Pinned);
            }

            var pinned = catalog.LastOrDefault(f => f.Version == pin);
            if (pinned is null)
            {
                reasons.Add($"pinned to {pin}, but the repository has no {pin} for {device.Project} on {device.Chip}");
                return Nothing(DecisionRule.Pinned);
            }

            if (Refusal(device, pinned, rejected, withheld, allowDowngrade: true) is { } refused)
            {
                reasons.Add($"pinned to {pin}, but {refused}");
                return Nothing(DecisionRule.Pinned);
            }

            reasons.Add($"pinned to {pin} (runs {device.Version ?? "nothing known"})");
            return new UpdateDecision(device.Id, pinned, DecisionRule.Pinned, null, null, reasons);
        }

        var newestFirst = rollouts.OrderByDescending(r => r.CreatedAt).ThenByDescending(r => r.Id, StringComparer.Ordinal).ToList();
        foreach (var rollout in newestFirst.Where(r => r.State == RolloutState.RollingBack))
        {
            if (rollout.MemberOf(device.Id) is not { FromVersion: { } from } member || from == rollout.Firmware.Version)
            {
                continue;
            }

            if (device.Version == from)
            {
                reasons.Add($"rollout {rollout.Id} is rolling back; the device is back on {from}");
                continue;
            }

            if (device.Version != rollout.Firmware.Version)
            {
                reasons.Add($"rollout {rollout.Id} is rolling back, but the device runs {device.Version}, not {rollout.Firmware.Version}");
                continue;
            }

            var previous = catalog.LastOrDefault(f => f.Version == from);
            if (previous is null)
            {
                reasons.Add($"rollout {rollout.Id} is rolling back to {from}, which is not in the repository");
                continue;
            }

            if (withheld.TryGetValue(previous.Sha256, out var unsigned))
            {
                reasons.Add($"rollout {rollout.Id} is rolling back to {from}, but {unsigned} (the signing policy withholds it)");
                continue;
            }

            if (device.SecureVersion > previous.SecureVersion)
            {
                reasons.Add($"rollout {rollout.Id} is rolling back to {from}, but its secure_version {previous.SecureVersion} is below the device's {device.SecureVersion} (the bootloader would refuse it)");
                continue;
            }

            reasons.Add($"rollout {rollout.Id} is rolling back: the device took {rollout.Firmware.Version} in stage {member.Stage + 1} and goes back to {from}");
            return new UpdateDecision(device.Id, previous, DecisionRule.RollbackAction, rollout.Id, member.Stage, reasons);
        }

        bool anyRollout = false;
        foreach (var rollout in newestFirst)
        {
            if (rollout.Firmware.Project != device.Project || rollout.Firmware.Chip != device.Chip)
            {
                continue;
            }

            anyRollout = true;
            if (!rollout.Includes(device))
            {
                reasons.Add($"rollout {rollout.Id} ({rollout.Firmware.Version}) targets {rollout.Target}: not this device");
                continue;
            }

            int stage = rollout.MemberOf(device.Id)?.Stage ?? stageOf?.Invoke(rollout) ?? rollout.StagesOf(devices).GetValueOrDefault(device.Id, -1);
            string where = stage < 0 ? "no stage" : $"stage {stage + 1} ({rollout.Stages[stage]})";
            if (!rollout.IsOffering)
            {
                string state = rollout.State switch
                {
                    RolloutState.Halted => $"halted ({rollout.HaltReason})",
                    RolloutState.RollingBack => "rolling back",
                    _ => rollout.State.ToString().ToLowerInvariant(),
                };
                reasons.Add($"rollout {rollout.Id} ({rollout.Firmware.Version}) is {state}: no offers; the device is in {where}");
                continue;
            }

            if (stage < 0)
            {
                reasons.Add($"rollout {rollout.Id} ({rollout.Firmware.Version}): no stage covers the device");
                continue;
            }

            if (stage > rollout.CurrentStage)
            {
                reasons.Add($"rollout {rollout.Id} ({rollout.Firmware.Version}): the device is in {where}; the rollout is at stage {rollout.CurrentStage + 1} ({rollout.Stages[rollout.CurrentStage]})");
                continue;
            }

            if (device.Version == rollout.Firmware.Version)
            {
                reasons.Add($"rollout {rollout.Id}: the device already runs {rollout.Firmware.Version}");
                continue;
            }

            if (Refusal(device, rollout.Firmware, rejected, withheld, allowDowngrade: false) is { } refused)
            {
                reasons.Add($"rollout {rollout.Id} covers the device ({where}), but {refused}");
                continue;
            }

            reasons.Add($"rollout {rollout.Id} ({rollout.Name}) covers the device in {where}; the rollout is at stage {rollout.CurrentStage + 1}: {device.Version ?? "?"} → {rollout.Firmware.Version}");
            return new UpdateDecision(device.Id, rollout.Firmware, DecisionRule.Rollout, rollout.Id, stage, reasons);
        }

        if (!anyRollout)
        {
            if (latest is not null)
            {
                reasons.Add($"no rollout for {device.Project} on {device.Chip}: the newest compatible version {latest.Version} is offered");
                return new UpdateDecision(device.Id, latest, DecisionRule.Latest, null, null, reasons);
            }

            reasons.Add($"no rollout for {device.Project} on {device.Chip}, and nothing newer than {device.Version} to offer");
            return Nothing(DecisionRule.Latest);
        }

        reasons.Add($"outside every active rollout: stays on {device.Version}");
        return Nothing(DecisionRule.Stay);
    }

    /// <summary>Why the firmware must not be offered to the device, or null when it may.</summary>
    private static string? Refusal(DeviceFacts device, RolloutFirmware firmware, IReadOnlySet<string> rejected, IReadOnlyDictionary<string, string> withheld, bool allowDowngrade)
    {
        if (withheld.TryGetValue(firmware.Sha256, out var unsigned))
        {
            return $"{firmware.Version} is withheld by the signing policy: {unsigned}";
        }

        if (rejected.Contains(firmware.Sha256))
        {
            return $"the device rolled back from {firmware.Version} before (offering it again would loop)";
        }

        if (firmware.SecureVersion < device.SecureVersion)
        {
            return $"{firmware.Version} has secure_version {firmware.SecureVersion}, below the device's {device.SecureVersion} (the bootloader would refuse it)";
        }

        if (!allowDowngrade && VersionOrder.Parse(firmware.Version) is { } offered && device.Version is not null && VersionOrder.Parse(device.Version) is { } running
            && VersionOrder.Compare(offered, running) < 0)
        {
            return $"{firmware.Version} is older than the {device.Version} it runs (only a pin or the roll-back action downgrades)";
        }

        return null;
    }
}
