using System.Text.Json.Serialization;
using EspOta.Http;

namespace EspOta.Server.Devices;

/// <summary>One reported step in a device's history.</summary>
/// <param name="Sequence">Server-wide order of arrival.</param>
/// <param name="Kind">The step.</param>
/// <param name="Version">The version the step was about.</param>
/// <param name="Sha256">The firmware the step was about.</param>
/// <param name="Reason">Why, for failures and rollbacks.</param>
/// <param name="At">When the server received it.</param>
public sealed record DeviceEvent(
    [property: JsonPropertyName("seq")] long Sequence,
    [property: JsonPropertyName("kind")] DeviceReportKind Kind,
    [property: JsonPropertyName("version")] string? Version,
    [property: JsonPropertyName("sha256")] string? Sha256,
    [property: JsonPropertyName("reason")] string? Reason,
    [property: JsonPropertyName("at")] DateTimeOffset At);
