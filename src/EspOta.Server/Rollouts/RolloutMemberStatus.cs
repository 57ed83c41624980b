using System.Text.Json.Serialization;

namespace EspOta.Server.Rollouts;

/// <summary>What a device in a rollout has done with its firmware, from its latest report.</summary>
[JsonConverter(typeof(JsonStringEnumConverter<RolloutMemberStatus>))]
public enum RolloutMemberStatus
{
    /// <summary>Offered the firmware; no report about it yet.</summary>
    [JsonStringEnumMemberName("offered")] Offered,
    /// <summary>Downloading, written, rebooting or booted, not yet confirmed.</summary>
    [JsonStringEnumMemberName("in_progress")] InProgress,
    /// <summary>Runs the firmware and its self-test passed.</summary>
    [JsonStringEnumMemberName("confirmed")] Confirmed,
    /// <summary>The update failed (download, verification, boot).</summary>
    [JsonStringEnumMemberName("failed")] Failed,
    /// <summary>The new app was abandoned and the previous one runs again.</summary>
    [JsonStringEnumMemberName("rolled_back")] RolledBack,
    /// <summary>Took the firmware, then was sent back to its previous release by the roll-back action.</summary>
    [JsonStringEnumMemberName("reverted")] Reverted,
}
