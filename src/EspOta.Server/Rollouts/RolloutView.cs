using System.Text.Json.Serialization;

namespace EspOta.Server.Rollouts;

/// <summary>A rollout as the API returns it: definition, state, per-stage progress, history, and (in detail) its members.</summary>
/// <param name="Id">Id.</param>
/// <param name="Name">Name.</param>
/// <param name="Firmware">What it deploys.</param>
/// <param name="Target">To whom.</param>
/// <param name="Stages">Its stages.</param>
/// <param name="Gate">Its gate.</param>
/// <param name="State">Its state.</param>
/// <param name="CurrentStage">0-based index of the stage reached.</param>
/// <param name="StageStartedAt">When the current stage started (soak counts from here).</param>
/// <param name="HaltReason">Why it halted, while halted.</param>
/// <param name="CreatedAt">When it was created.</param>
/// <param name="Progress">Per-stage counts.</param>
/// <param name="Events">Its history.</param>
/// <param name="Members">The devices it let in (only for a single rollout).</param>
public sealed record RolloutView(
    [property: JsonPropertyName("id")] string Id,
    [property: JsonPropertyName("name")] string Name,
    [property: JsonPropertyName("firmware")] RolloutFirmware Firmware,
    [property: JsonPropertyName("target")] RolloutTarget Target,
    [property: JsonPropertyName("stages")] IReadOnlyList<RolloutStage> Stages,
    [property: JsonPropertyName("gate")] RolloutGate Gate,
    [property: JsonPropertyName("state")] RolloutState State,
    [property: JsonPropertyName("current_stage")] int CurrentStage,
    [property: JsonPropertyName("stage_started_at")] DateTimeOffset StageStartedAt,
    [property: JsonPropertyName("halt_reason")] string? HaltReason,
    [property: JsonPropertyName("created_at")] DateTimeOffset CreatedAt,
    [property: JsonPropertyName("progress")] IReadOnlyList<RolloutStageProgress> Progress,
    [property: JsonPropertyName("events")] IReadOnlyList<RolloutEvent> Events,
    [property: JsonPropertyName("members")] IReadOnlyList<RolloutMember>? Members)
{
    /// <summary>The view of <paramref name="rollout"/> over <paramref name="fleet"/>.</summary>
    public static RolloutView Of(Rollout rollout, IReadOnlyList<DeviceFacts> fleet, bool withMembers) => new(
        rollout.Id,
        rollout.Name,
        rollout.Firmware,
        rollout.Target,
        rollout.Stages,
        rollout.Gate,
        rollout.State,
        rollout.CurrentStage,
        rollout.StageStartedAt,
        rollout.HaltReason,
        rollout.CreatedAt,
        rollout.Progress(fleet),
        rollout.Events,
        withMembers ? rollout.Members.OrderBy(m => m.Stage).ThenBy(m => m.DeviceId, StringComparer.Ordinal).ToList() : null);
}
