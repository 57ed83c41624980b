using System.Text.Json.Serialization;

namespace EspOta.Http;

/// <summary>
/// What a device tells the update server when it asks for an update: who it is and what it runs
/// (the facts <c>esp_https_ota</c> users compare against the new image's <c>esp_app_desc_t</c>).
/// </summary>
/// <param name="DeviceId">A stable device identifier (e.g. the base MAC as hex); 1–64 of <c>A-Z a-z 0-9 . _ : -</c>.</param>
/// <param name="Chip">esptool chip name (<c>esp32</c>, <c>esp32c3</c>, …).</param>
/// <param name="Project">The running app's <c>project_name</c>.</param>
/// <param name="Version">The running app's <c>version</c>.</param>
/// <param name="SecureVersion">The running app's <c>secure_version</c> (anti-rollback counter).</param>
public sealed record UpdateCheckRequest(
    [property: JsonPropertyName("device_id")] string DeviceId,
    [property: JsonPropertyName("chip")] string Chip,
    [property: JsonPropertyName("project")] string Project,
    [property: JsonPropertyName("version")] string Version,
    [property: JsonPropertyName("secure_version")] uint SecureVersion)
{
    /// <summary>The running image's appended SHA-256 (<c>esp_partition_get_sha256</c>, hex), so that the server can offer a patch from it.</summary>
    [JsonPropertyName("running_sha256")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? RunningSha256 { get; init; }
}
