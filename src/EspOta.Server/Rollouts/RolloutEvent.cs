using System.Text.Json.Serialization;

namespace EspOta.Server.Rollouts;

/// <summary>One entry of a rollout's own history (created, stage reached, halted and why, paused …).</summary>
/// <param name="At">When.</param>
/// <param name="Kind">What: created, advanced, completed, halted, paused, resumed, cancelled, rollback.</param>
/// <param name="Detail">Why, in words.</param>
public sealed record RolloutEvent(
    [property: JsonPropertyName("at")] DateTimeOffset At,
    [property: JsonPropertyName("kind")] string Kind,
    [property: JsonPropertyName("detail")] string Detail);
