using System.Text.Json.Serialization;

namespace EspOta.Server.Delta;

/// <summary>What <c>GET /api/delta/patches</c> lists: a stored patch and where devices download it.</summary>
public sealed record DeltaPatchSummary(
    [property: JsonPropertyName("patch_sha256")] string PatchSha256,
    [property: JsonPropertyName("base_sha256")] string BaseSha256,
    [property: JsonPropertyName("base_validation_sha256")] string BaseValidationSha256,
    [property: JsonPropertyName("target_sha256")] string TargetSha256,
    [property: JsonPropertyName("size")] long Size,
    [property: JsonPropertyName("target_size")] long TargetSize,
    [property: JsonPropertyName("ratio")] double Ratio,
    [property: JsonPropertyName("created_at")] DateTimeOffset CreatedAt,
    [property: JsonPropertyName("url")] string Url);
