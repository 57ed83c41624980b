using System.Text.Json;
using System.Text.Json.Serialization;

namespace EspOta.Server.Rollouts;

/// <summary>
/// Source-generated JSON for the rollout columns stored as JSON text (target, stages, gate, a device's
/// tags), with the web defaults they were first written with, so existing rows read back unchanged.
/// </summary>
[JsonSourceGenerationOptions(JsonSerializerDefaults.Web)]
[JsonSerializable(typeof(RolloutTarget))]
[JsonSerializable(typeof(IReadOnlyList<RolloutStage>))]
[JsonSerializable(typeof(RolloutStage[]))]
[JsonSerializable(typeof(RolloutGate))]
[JsonSerializable(typeof(IReadOnlyList<string>))]
[JsonSerializable(typeof(string[]))]
internal sealed partial class RolloutStoreJsonContext : JsonSerializerContext;
