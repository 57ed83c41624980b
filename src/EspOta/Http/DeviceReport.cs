using System.Text.Json.Serialization;

namespace EspOta.Http;

/// <summary>One step of an OTA cycle, as a device reports it to the update server.</summary>
/// <param name="Kind">The step.</param>
/// <param name="Version">The app version the step is about (the running one, or the one being installed).</param>
/// <param name="Sha256">SHA-256 of the firmware being installed, when the step concerns one.</param>
/// <param name="Reason">Why, for <see cref="DeviceReportKind.Failed"/> and <see cref="DeviceReportKind.RolledBack"/>.</param>
/// <param name="Chip">The device's chip, so that the server learns about devices from their first report.</param>
/// <param name="Project">The running app's project name.</param>
/// <param name="RunningVersion">The version of the app that runs while reporting.</param>
public sealed record DeviceReport(
    [property: JsonPropertyName("kind")] DeviceReportKind Kind,
    [property: JsonPropertyName("version")] string? Version = null,
    [property: JsonPropertyName("sha256")] string? Sha256 = null,
    [property: JsonPropertyName("reason")] string? Reason = null,
    [property: JsonPropertyName("chip")] string? Chip = null,
    [property: JsonPropertyName("project")] string? Project = null,
    [property: JsonPropertyName("running_version")] string? RunningVersion = null);
