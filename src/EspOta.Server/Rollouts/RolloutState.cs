using System.Text.Json.Serialization;

namespace EspOta.Server.Rollouts;

/// <summary>Where a rollout is in its life.</summary>
[JsonConverter(typeof(JsonStringEnumConverter<RolloutState>))]
public enum RolloutState
{
    /// <summary>Offering the firmware to the devices of the stages reached so far; gates are evaluated.</summary>
    [JsonStringEnumMemberName("running")] Running,
    /// <summary>Stopped by an operator: no new offers until resumed.</summary>
    [JsonStringEnumMemberName("paused")] Paused,
    /// <summary>Stopped by a gate (too many failures and rollbacks); <see cref="Rollout.HaltReason"/> says why. Resume to continue.</summary>
    [JsonStringEnumMemberName("halted")] Halted,
    /// <summary>Abandoned for good: no more offers; devices keep what they run.</summary>
    [JsonStringEnumMemberName("cancelled")] Cancelled,
    /// <summary>Every stage passed its gate; the firmware is still offered to late devices of the target.</summary>
    [JsonStringEnumMemberName("completed")] Completed,
    /// <summary>The roll-back action: devices that took this firmware are offered the release they ran before.</summary>
    [JsonStringEnumMemberName("rolling_back")] RollingBack,
}
