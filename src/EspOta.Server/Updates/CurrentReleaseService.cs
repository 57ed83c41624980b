using EspOta.Http;
using EspOta.Server.Firmware;

namespace EspOta.Server.Updates;

/// <summary>
/// Which release a stock ESP-IDF device (one fixed URL, no update check) gets for its project and
/// chip: the seam the stable download URL calls. It asks <see cref="UpdatePolicy"/> the question a
/// device would, as a device that runs nothing yet, so the URL follows the same decision as the
/// update check; a rollout policy replaces this service (registered with TryAdd) to follow its own.
/// </summary>
internal class CurrentReleaseService(FirmwareStore firmware)
{
    private static readonly IReadOnlySet<string> NoneRejected = new HashSet<string>();

    /// <summary>The release to serve, or null when there is none (or the channel is unknown).</summary>
    /// <param name="project">esp_app_desc_t.project_name.</param>
    /// <param name="chip">The esptool chip name (esp32, esp32s3 …).</param>
    /// <param name="channel">
    /// A release channel from the URL, or null. This server has no channels yet: only null (and
    /// "stable") name the releases it holds, any other channel has none.
    /// </param>
    public virtual FirmwareRecord? Current(string project, string chip, string? channel)
    {
        if (channel is not null && channel != "stable")
        {
            return null;
        }

        // An empty running version parses as free-form, so the policy takes the newest by version
        // when every candidate is numbered, and the newest upload otherwise.
        var asked = new UpdateCheckRequest("stable-url", chip, project, Version: "", SecureVersion: 0);
        return UpdatePolicy.Choose(asked, firmware.List(project, chip), NoneRejected);
    }
}
