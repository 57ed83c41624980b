using System.Text.Json.Serialization;

namespace EspOta.Server.Rollouts;

/// <summary>The firmware a rollout deploys (a row of the repository).</summary>
/// <param name="Sha256">Its SHA-256, lowercase hex.</param>
/// <param name="Project">Its project.</param>
/// <param name="Chip">Its chip.</param>
/// <param name="Version">Its version.</param>
/// <param name="SecureVersion">Its secure_version.</param>
public sealed record RolloutFirmware(
    [property: JsonPropertyName("sha256")] string Sha256,
    [property: JsonPropertyName("project")] string Project,
    [property: JsonPropertyName("chip")] string Chip,
    [property: JsonPropertyName("version")] string Version,
    [property: JsonPropertyName("secure_version")] uint SecureVersion)
{
    /// <summary>"demo 2.0.0 (esp32)".</summary>
    public override string ToString() => $"{Project} {Version} ({Chip})";
}
