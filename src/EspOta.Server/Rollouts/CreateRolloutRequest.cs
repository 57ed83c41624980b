using System.Text.Json.Serialization;

namespace EspOta.Server.Rollouts;

/// <summary>The body of <c>POST /api/rollouts</c>.</summary>
/// <param name="Firmware">SHA-256 of the firmware to deploy (in the repository).</param>
/// <param name="Stages">The stages; default 1 % → 10 % → 50 % → 100 %.</param>
/// <param name="Gate">The gate; default ≥ 90 % confirmed, one hour soak, halt above 20 % failed or rolled back.</param>
/// <param name="Target">Which devices; default all of the firmware's project and chip.</param>
/// <param name="Id">The rollout id (1–64 of <c>A-Z a-z 0-9 . _ : -</c>); default a generated one.</param>
/// <param name="Name">A name for people; default "&lt;project&gt; &lt;version&gt;".</param>
public sealed record CreateRolloutRequest(
    [property: JsonPropertyName("firmware")] string Firmware,
    [property: JsonPropertyName("stages")] IReadOnlyList<RolloutStage>? Stages = null,
    [property: JsonPropertyName("gate")] RolloutGate? Gate = null,
    [property: JsonPropertyName("target")] RolloutTarget? Target = null,
    [property: JsonPropertyName("id")] string? Id = null,
    [property: JsonPropertyName("name")] string? Name = null);
