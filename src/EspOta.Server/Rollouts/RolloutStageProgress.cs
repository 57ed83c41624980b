using System.Text.Json.Serialization;

namespace EspOta.Server.Rollouts;

/// <summary>Counts of one stage's devices (those the stage itself let in), for gates and charts.</summary>
/// <param name="Index">0-based stage index.</param>
/// <param name="Label">"10 %" or "25 devices".</param>
/// <param name="Size">Devices of the target population this stage adds.</param>
/// <param name="Waiting">Devices of the stage that have not been offered the firmware yet (not checked in since the stage began, or stage not reached).</param>
/// <param name="Offered">Offered, nothing reported yet.</param>
/// <param name="InProgress">Installing.</param>
/// <param name="Confirmed">Confirmed.</param>
/// <param name="Failed">Failed.</param>
/// <param name="RolledBack">Rolled back (or reverted by the roll-back action after confirming).</param>
/// <param name="Reached">Whether the rollout has reached this stage.</param>
public sealed record RolloutStageProgress(
    [property: JsonPropertyName("index")] int Index,
    [property: JsonPropertyName("label")] string Label,
    [property: JsonPropertyName("size")] int Size,
    [property: JsonPropertyName("waiting")] int Waiting,
    [property: JsonPropertyName("offered")] int Offered,
    [property: JsonPropertyName("in_progress")] int InProgress,
    [property: JsonPropertyName("confirmed")] int Confirmed,
    [property: JsonPropertyName("failed")] int Failed,
    [property: JsonPropertyName("rolled_back")] int RolledBack,
    [property: JsonPropertyName("reached")] bool Reached)
{
    /// <summary>Confirmed share of the stage, 0–100 (an empty stage counts as fully confirmed).</summary>
    [JsonPropertyName("confirmed_percent")]
    public double ConfirmedPercent => Size == 0 ? 100 : 100.0 * Confirmed / Size;

    /// <summary>Failed + rolled-back share of the stage, 0–100.</summary>
    [JsonPropertyName("failure_percent")]
    public double FailurePercent => Size == 0 ? 0 : 100.0 * (Failed + RolledBack) / Size;
}
