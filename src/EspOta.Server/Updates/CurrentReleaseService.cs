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
internal class CurrentReleaseService(RolloutService rollouts)
{
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
        if (channel is not null && channel != "stable")
        {
            return null;
        }

        // An empty running version parses as free-form: the newest by version when every candidate
        // is numbered, the newest upload otherwise.
        var asked = new UpdateCheckRequest(StableUrlDeviceId, chip, project, Version: "", SecureVersion: 0);
        var (_, chosen) = await rollouts.DecideAsync(asked, record: false, cancellationToken).ConfigureAwait(false);
        return chosen;
    }
}
