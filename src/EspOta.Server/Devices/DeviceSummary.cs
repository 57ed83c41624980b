using System.Text.Json.Serialization;
using EspOta.Http;

namespace EspOta.Server.Devices;

/// <summary>A device as the server last heard of it.</summary>
/// <param name="Id">The device id.</param>
/// <param name="Chip">The chip it reported.</param>
/// <param name="Project">The running app's project name.</param>
/// <param name="Version">The running app's version.</param>
/// <param name="SecureVersion">The running app's secure_version, when it checked for updates.</param>
/// <param name="State">The last step it reported, or null if it only checked.</param>
/// <param name="StateVersion">The version the last step was about.</param>
/// <param name="Reason">Why, when the last step was a failure or a rollback.</param>
/// <param name="FirstSeen">First contact.</param>
/// <param name="LastSeen">Last contact.</param>
public sealed record DeviceSummary(
    [property: JsonPropertyName("id")] string Id,
    [property: JsonPropertyName("chip")] string? Chip,
    [property: JsonPropertyName("project")] string? Project,
    [property: JsonPropertyName("version")] string? Version,
    [property: JsonPropertyName("secure_version")] uint? SecureVersion,
    [property: JsonPropertyName("state")] DeviceReportKind? State,
    [property: JsonPropertyName("state_version")] string? StateVersion,
    [property: JsonPropertyName("reason")] string? Reason,
    [property: JsonPropertyName("first_seen")] DateTimeOffset FirstSeen,
    [property: JsonPropertyName("last_seen")] DateTimeOffset LastSeen);
