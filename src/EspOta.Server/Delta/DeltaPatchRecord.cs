using System.Text.Json.Serialization;

namespace EspOta.Server.Delta;

/// <summary>One stored patch: from the base firmware to the target firmware (both by file SHA-256).</summary>
public sealed record DeltaPatchRecord(
    [property: JsonPropertyName("patch_sha256")] string PatchSha256,
    [property: JsonPropertyName("base_sha256")] string BaseSha256,
    [property: JsonPropertyName("base_validation_sha256")] string BaseValidationSha256,
    [property: JsonPropertyName("target_sha256")] string TargetSha256,
    [property: JsonPropertyName("size")] long Size,
    [property: JsonPropertyName("target_size")] long TargetSize,
    [property: JsonPropertyName("created_at")] DateTimeOffset CreatedAt,
    [property: JsonPropertyName("seconds")] double Seconds);
