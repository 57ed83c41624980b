using System.Text.Json.Serialization;

namespace EspOta.Server.Rollouts;

/// <summary>A device that was offered a rollout's firmware: the stage it was let in by, and how it went.</summary>
/// <param name="DeviceId">The device.</param>
/// <param name="Stage">Index of the stage that admitted it (0-based).</param>
/// <param name="Status">Its latest status.</param>
/// <param name="FromVersion">What it ran when it was admitted: the roll-back action sends it back there.</param>
/// <param name="Reason">The reason of its last failure or rollback.</param>
/// <param name="UpdatedAt">When the status last changed.</param>
public sealed record RolloutMember(
    [property: JsonPropertyName("device_id")] string DeviceId,
    [property: JsonPropertyName("stage")] int Stage,
    [property: JsonPropertyName("status")] RolloutMemberStatus Status,
    [property: JsonPropertyName("from_version")] string? FromVersion,
    [property: JsonPropertyName("reason")] string? Reason,
    [property: JsonPropertyName("updated_at")] DateTimeOffset UpdatedAt);
