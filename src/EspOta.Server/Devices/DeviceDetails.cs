using System.Text.Json.Serialization;

namespace EspOta.Server.Devices;

/// <summary>A device and its reported history, oldest first.</summary>
/// <param name="Device">The device.</param>
/// <param name="History">Its steps, oldest first (the newest ones when the history is long).</param>
public sealed record DeviceDetails(
    [property: JsonPropertyName("device")] DeviceSummary Device,
    [property: JsonPropertyName("history")] IReadOnlyList<DeviceEvent> History);
