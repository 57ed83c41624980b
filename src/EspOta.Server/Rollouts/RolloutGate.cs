using System.Text.Json.Serialization;

namespace EspOta.Server.Rollouts;

/// <summary>
/// When a stage may lead to the next one, and when the rollout stops by itself (hawkBit's success and
/// error thresholds, AWS IoT Jobs' abort criteria).
/// </summary>
/// <param name="AdvanceConfirmedPercent">Share of the stage's devices that must have confirmed the firmware before the next stage starts.</param>
/// <param name="SoakSeconds">Least time a stage runs before the next one starts, however fast its devices confirm.</param>
/// <param name="HaltFailurePercent">The rollout halts when the stage's failed + rolled-back devices exceed this share of the stage.</param>
public sealed record RolloutGate(
    [property: JsonPropertyName("advance_confirmed_percent")] double AdvanceConfirmedPercent = 90,
    [property: JsonPropertyName("soak_seconds")] double SoakSeconds = 3600,
    [property: JsonPropertyName("halt_failure_percent")] double HaltFailurePercent = 20)
{
    /// <summary>The soak time.</summary>
    [JsonIgnore]
    public TimeSpan Soak => TimeSpan.FromSeconds(SoakSeconds);

    /// <summary>Null when valid, else what is wrong.</summary>
    public string? Problem() =>
        !(AdvanceConfirmedPercent > 0 && AdvanceConfirmedPercent <= 100) ? $"advance_confirmed_percent {AdvanceConfirmedPercent} is not in (0, 100]"
        : !(SoakSeconds >= 0 && SoakSeconds <= TimeSpan.FromDays(365).TotalSeconds) ? $"soak_seconds {SoakSeconds} is not in [0, one year]"
        : !(HaltFailurePercent >= 0 && HaltFailurePercent < 100) ? $"halt_failure_percent {HaltFailurePercent} is not in [0, 100)"
        : null;
}
