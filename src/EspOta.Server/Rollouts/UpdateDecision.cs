using System.Text.Json.Serialization;

namespace EspOta.Server.Rollouts;

/// <summary>The answer to one update check, with the reasons ("why this offer" / "why nothing").</summary>
/// <param name="DeviceId">The device.</param>
/// <param name="Offer">The firmware to install, or null for nothing.</param>
/// <param name="Rule">The rule that decided.</param>
/// <param name="RolloutId">The rollout that decided, if one did.</param>
/// <param name="Stage">The device's 0-based stage in that rollout, if any.</param>
/// <param name="Reasons">Every consideration, in the order they were made.</param>
public sealed record UpdateDecision(
    [property: JsonPropertyName("device_id")] string DeviceId,
    [property: JsonPropertyName("offer")] RolloutFirmware? Offer,
    [property: JsonPropertyName("rule")] DecisionRule Rule,
    [property: JsonPropertyName("rollout_id")] string? RolloutId,
    [property: JsonPropertyName("stage")] int? Stage,
    [property: JsonPropertyName("reasons")] IReadOnlyList<string> Reasons)
{
    /// <summary>One line: what and why.</summary>
    [JsonPropertyName("summary")]
    public string Summary => (Offer is null ? "nothing: " : $"offer {Offer.Version}: ") + (Reasons.Count == 0 ? "" : Reasons[^1]);
}
