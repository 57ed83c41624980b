using System.Collections.Immutable;
using EspOta.Http;
using EspOta.Server.Devices;
using EspOta.Server.Firmware;
using EspOta.Server.Updates;

namespace EspOta.Server.Rollouts;

/// <summary>
/// Runs the rollout domain over the stores: update decisions (recording admissions), device reports
/// feeding the gates, operator actions, and the periodic gate evaluation.
/// </summary>
internal sealed class RolloutService(IRolloutStore rollouts, IDeviceStore devices, IFirmwareStore firmware, Signing.SigningService signing, TimeProvider time)
{
    private static readonly ImmutableDictionary<string, RolloutMember> NoMembers =
        ImmutableDictionary.Create<string, RolloutMember>(StringComparer.Ordinal);

    private readonly FleetPlacement _placement = new(rollouts);

    /// <summary>Every known device with its labels.</summary>
    public async Task<IReadOnlyList<DeviceFacts>> FleetAsync(CancellationToken cancellationToken)
    {
        var labels = await rollouts.LabelsAsync(cancellationToken).ConfigureAwait(false);
        var list = await devices.ListAsync(null, int.MaxValue, cancellationToken).ConfigureAwait(false);
        return list.Select(d => Facts(d.Id, d.Project, d.Chip, d.Version, d.SecureVersion ?? 0, labels.GetValueOrDefault(d.Id))).ToList();
    }

    /// <summary>
    /// What the checking device gets and why; with <paramref name="record"/>, an offer by a rollout
    /// admits the device into its stage (the update check), without it nothing changes (the explanation endpoint).
    /// </summary>
    /// <param name="check">The update check.</param>
    /// <param name="record">Whether an offer by a rollout admits the device.</param>
    /// <param name="cancellationToken">Cancels it.</param>
    /// <param name="assumedLabels">Labels to decide with instead of the device's stored ones (a stable URL's channel).</param>
    public async Task<(UpdateDecision Decision, FirmwareRecord? Firmware, IReadOnlyList<string>? SignedBy)> DecideAsync(UpdateCheckRequest check, bool record, CancellationToken cancellationToken, DeviceLabels? assumedLabels = null)
    {
        // The placement facts and rollouts kept between checks (Rollouts/FleetPlacement), not the device
        // list and every rollout with its members and history: neither scales to a fleet.
        await _placement.CurrentAsync(cancellationToken).ConfigureAwait(false);
        var catalog = await firmware.ListAsync(check.Project, check.Chip, null, int.MaxValue, cancellationToken).ConfigureAwait(false);
        var rejected = await devices.RejectedFirmwareAsync(check.DeviceId, cancellationToken).ConfigureAwait(false);
        var policy = await signing.ForProjectAsync(check.Project, check.Chip, cancellationToken).ConfigureAwait(false);
        var withheld = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var image in catalog)
        {
            if (policy.Withholds(image.Sha256) is { } reason)
            {
                withheld[image.Sha256] = reason;
            }
        }

        var latest = UpdatePolicy.Choose(check, catalog.Where(f => !withheld.ContainsKey(f.Sha256)).ToList(), rejected);
        var offerable = catalog.Select(ToRollout).ToList();

        // The check is recorded after the decision: the device must count in the population already
        // (FleetPlacement.StageOf puts it there with the facts it checks with).
        var (device, decision) = _placement.Read(fleet =>
        {
            var device = Facts(check.DeviceId, check.Project, check.Chip, check.Version, check.SecureVersion, assumedLabels ?? fleet.Labels.GetValueOrDefault(check.DeviceId));

            // Only what the decision can look at: the rollouts of the device's project and chip, and those
            // rolling back that it is a member of; each with the device's own membership, if any.
            var relevant = new List<Rollout>();
            foreach (var rollout in fleet.Rollouts)
            {
                var member = fleet.MembersOf(rollout.Id).GetValueOrDefault(device.Id);
                if ((rollout.Firmware.Project == device.Project && rollout.Firmware.Chip == device.Chip) || (rollout.State == RolloutState.RollingBack && member is not null))
                {
                    relevant.Add(rollout.WithMembers(member is null ? NoMembers : NoMembers.Add(member.DeviceId, member)));
                }
            }

            var decision = UpdateDecider.Decide(
                device, relevant, fleet.List, offerable, rejected, latest is null ? null : ToRollout(latest), withheld,
                rollout => _placement.StageOf(rollout, device));
            return (device, decision);
        });
        if (record && decision is { Rule: DecisionRule.Rollout, RolloutId: { } rolloutId, Stage: { } stage })
        {
            // One row under the rollouts lock (a member keeps the stage that first let it in), not a
            // load and save of every rollout.
            await rollouts.AdmitAsync(rolloutId, new RolloutMember(device.Id, stage, RolloutMemberStatus.Offered, device.Version, null, time.GetUtcNow()), cancellationToken).ConfigureAwait(false);
        }

        var offered = decision.Offer is { } offer ? catalog.FirstOrDefault(f => f.Sha256 == offer.Sha256) : null;

        // The offer names the still-trusted signers (under a policy), from the policy this decision used.
        return (decision, offered, offered is not null && policy.HasPolicy ? policy.SignedBy(offered.Sha256) : null);
    }

    /// <summary>
    /// The release a device that no rollout stage covers keeps, for a caller with no running version to stay on (the
    /// stable URL of stock devices): the newest image of the project and chip that no unfinished rollout is still
    /// staging (running, paused, halted or cancelled) and that the signing policy does not withhold; null if none.
    /// </summary>
    public async Task<FirmwareRecord?> ReleaseOutsideStagesAsync(UpdateCheckRequest check, CancellationToken cancellationToken)
    {
        var catalog = await firmware.ListAsync(check.Project, check.Chip, null, int.MaxValue, cancellationToken).ConfigureAwait(false);
        var policy = await signing.ForProjectAsync(check.Project, check.Chip, cancellationToken).ConfigureAwait(false);
        var all = (await _placement.CurrentAsync(cancellationToken).ConfigureAwait(false)).Rollouts;
        var staging = all
            .Where(r => r.State != RolloutState.Completed && r.Firmware.Project == check.Project && r.Firmware.Chip == check.Chip)
            .Select(r => r.Firmware.Sha256)
            .ToHashSet(StringComparer.Ordinal);
        var kept = catalog.Where(f => !staging.Contains(f.Sha256) && policy.Withholds(f.Sha256) is null).ToList();
        return UpdatePolicy.Choose(check, kept, new HashSet<string>(StringComparer.Ordinal));
    }

    /// <summary>Feeds a device report to the rollouts it is a member of and applies their gates.</summary>
    public async Task ObserveAsync(string deviceId, DeviceReport report, CancellationToken cancellationToken)
    {
        if (report.Kind == DeviceReportKind.Checking)
        {
            return;
        }

        // Only a member's report can change a rollout (Rollout.Observe), and membership is only ever
        // added, by the device's own check before it reports: a device in no rollout skips the
        // fleet-wide lock (which every report would otherwise queue on, across servers too).
        var known = await _placement.CurrentAsync(cancellationToken).ConfigureAwait(false);
        if (!known.Rollouts.Any(r => known.MembersOf(r.Id).ContainsKey(deviceId)))
        {
            return;
        }

        var now = time.GetUtcNow();
        await rollouts.UpdateAsync(
            ct => _placement.LoadAsync((r, s) => s.MembersOf(r.Id).ContainsKey(deviceId), ct),
            list =>
            {
                foreach (var rollout in list)
                {
                    if (rollout.Observe(deviceId, report, now))
                    {
                        _placement.WithPlacement(rollout, stages => rollout.EvaluateWith(now, stages));
                    }
                }

                return 0;
            },
            cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Applies every running rollout's gates now (soak times end without any report).</summary>
    public async Task<int> EvaluateAllAsync(CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        return await rollouts.UpdateAsync(
            ct => _placement.LoadAsync((r, _) => r.State == RolloutState.Running, ct),
            list => list.Count(r => _placement.WithPlacement(r, stages => r.EvaluateWith(now, stages))),
            cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Runs an operator action on one rollout; null when there is no such rollout.</summary>
    /// <exception cref="RolloutTransitionException">The rollout's state does not allow it.</exception>
    public async Task<Rollout?> ActAsync(string id, Action<Rollout, DateTimeOffset> action, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        return await rollouts.UpdateAsync(
            list =>
            {
                var rollout = list.FirstOrDefault(r => r.Id == id);
                if (rollout is not null)
                {
                    action(rollout, now);
                }

                return rollout;
            },
            cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Converts a repository row.</summary>
    public static RolloutFirmware ToRollout(FirmwareRecord record) => new(record.Sha256, record.Project, record.Chip, record.Version, record.SecureVersion);

    private static DeviceFacts Facts(string id, string? project, string? chip, string? version, uint secureVersion, DeviceLabels? labels) =>
        new(id, project, chip, version, secureVersion, labels?.Group, labels?.Tags ?? [], labels?.PinnedVersion);
}
