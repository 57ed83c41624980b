using System.Text.Json.Serialization;

namespace EspOta.Server.Devices;

/// <summary>A device's enrolment token, shown once (the server keeps only its SHA-256).</summary>
/// <param name="DeviceId">The device.</param>
/// <param name="Token">The token the device sends with its checks and reports.</param>
/// <param name="Header">The header it goes in.</param>
public sealed record DeviceEnrollment(
    [property: JsonPropertyName("device_id")] string DeviceId,
    [property: JsonPropertyName("token")] string Token,
    [property: JsonPropertyName("header")] string Header);
