using System.Text.Json.Serialization;

namespace EspOta.Server.Delta;

/// <summary>Progress of making the patches to one uploaded image.</summary>
public sealed record DeltaJobStatus(
    [property: JsonPropertyName("target_sha256")] string TargetSha256,
    [property: JsonPropertyName("state")] string State,
    [property: JsonPropertyName("bases_total")] int BasesTotal,
    [property: JsonPropertyName("bases_done")] int BasesDone,
    [property: JsonPropertyName("errors")] IReadOnlyList<string> Errors);
