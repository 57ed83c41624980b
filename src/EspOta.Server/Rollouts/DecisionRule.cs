using System.Text.Json.Serialization;

namespace EspOta.Server.Rollouts;

/// <summary>Which rule decided an update check.</summary>
[JsonConverter(typeof(JsonStringEnumConverter<DecisionRule>))]
public enum DecisionRule
{
    /// <summary>The device is pinned to a version.</summary>
    [JsonStringEnumMemberName("pinned")] Pinned,
    /// <summary>A rollout's roll-back action sends the device back to its previous release.</summary>
    [JsonStringEnumMemberName("rollback_action")] RollbackAction,
    /// <summary>A rollout stage covers the device.</summary>
    [JsonStringEnumMemberName("rollout")] Rollout,
    /// <summary>No rollout was ever made for the device's project and chip: the newest compatible version is offered.</summary>
    [JsonStringEnumMemberName("latest")] Latest,
    /// <summary>Nothing covers the device now: it stays where it is.</summary>
    [JsonStringEnumMemberName("stay")] Stay,
}
