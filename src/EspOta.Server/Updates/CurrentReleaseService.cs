using EspOta.Http;
using EspOta.Server.Firmware;
using EspOta.Server.Rollouts;

namespace EspOta.Server.Updates;

/// <summary>
/// Which release a stock ESP-IDF device (one fixed URL, no update check) gets for its project and
/// chip: the seam the stable download URL calls. It asks the rollouts (<see cref="RolloutService"/>,
/// the decision behind <c>/api/updates/check</c>) what a device that runs nothing yet would be
/// offered, without recording it, so the URL follows the same pins, stages and versions.
/// </summary>
/// <remarks>
/// A channel is a device group (the <c>group</c> label rollouts target): <c>…/{channel}</c> serves what a
/// device of that group would be offered, so <c>rollout create --group beta</c> reaches the <c>beta</c>
/// URL, and a rollout to all devices reaches every channel. <c>stable</c> is the default (no group). A
/// channel no device and no rollout names is unknown (404), so a typo in a device's URL is not silently
/// served the default release.
/// </remarks>
internal class CurrentReleaseService(RolloutService rollouts, IRolloutStore store)
{
    /// <summary>The channel of the URL without one.</summary>
    public const string DefaultChannel = "stable";

    /// <summary>The pseudo device id the stable URL asks as (one id, so a staged rollout gives it one stable answer).</summary>
    public const string StableUrlDeviceId = "stable-url";

    /// <summary>The release to serve, or null when there is none (or the channel is unknown).</summary>
    /// <param name="project">esp_app_desc_t.project_name.</param>
    /// <param name="chip">The esptool chip name (esp32, esp32s3 …).</param>
    /// <param name="channel">
    /// A release channel from the URL, or null. Only null and "stable" name the releases the server
    /// holds; any other channel has none until channels exist.
    /// </param>
    /// <param name="cancellationToken">Cancels the look-up.</param>
    public virtual async Task<FirmwareRecord?> CurrentAsync(string project, string chip, string? channel, CancellationToken cancellationToken)
    {
        DeviceLabels? labels = null;
        string deviceId = StableUrlDeviceId;
        if (channel is not null && channel != DefaultChannel)
        {
            if (!await IsChannelAsync(channel, cancellationToken).ConfigureAwait(false))
            {
                return null;
            }

            labels = new DeviceLabels(channel, [], null);
            // Its own id: rollout stages place devices by a hash of the id.
            deviceId = $"{StableUrlDeviceId}/{channel}";
        }

        // An empty running version parses as free-form: the newest by version when every candidate
        // is numbered, the newest upload otherwise.
        var asked = new UpdateCheckRequest(deviceId, chip, project, Version: "", SecureVersion: 0);
        var (decision, chosen, _) = await rollouts.DecideAsync(asked, record: false, cancellationToken, labels).ConfigureAwait(false);
        if (chosen is null && decision.Rule == DecisionRule.Stay)
        {
            // A staged rollout that does not cover the stand-in: an update check would say "stay where you are",
            // but a stock device's URL has no "where"; it serves what the devices outside the stages keep.
            return await rollouts.ReleaseOutsideStagesAsync(asked, cancellationToken).ConfigureAwait(false);
        }

        return chosen;
    }

    private async Task<bool> IsChannelAsync(string channel, CancellationToken cancellationToken)
    {
        var labels = await store.LabelsAsync(cancellationToken).ConfigureAwait(false);
        if (labels.Values.Any(l => string.Equals(l.Group, channel, StringComparison.Ordinal)))
        {
            return true;
        }

        // The rollout rows only: members and history play no part in a channel's name.
        var all = await store.HeadersAsync(cancellationToken).ConfigureAwait(false);
        return all.Any(r => string.Equals(r.Target.Group, channel, StringComparison.Ordinal));
    }
}
