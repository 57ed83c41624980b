using System.Text.Json.Serialization;

namespace EspOta.Http;

/// <summary>The steps of an OTA cycle a device reports to the update server.</summary>
[JsonConverter(typeof(JsonStringEnumConverter<DeviceReportKind>))]
public enum DeviceReportKind
{
    /// <summary>Asking the server for an update.</summary>
    [JsonStringEnumMemberName("checking")] Checking,
    /// <summary>Fetching and writing the image.</summary>
    [JsonStringEnumMemberName("downloading")] Downloading,
    /// <summary>The image is written and verified (<c>esp_ota_end</c> succeeded).</summary>
    [JsonStringEnumMemberName("written")] Written,
    /// <summary>The boot partition is set; restarting into the new app.</summary>
    [JsonStringEnumMemberName("rebooting")] Rebooting,
    /// <summary>The device booted (the new app, or whatever the bootloader chose).</summary>
    [JsonStringEnumMemberName("booted")] Booted,
    /// <summary>The new app passed its self-test and cancelled the rollback.</summary>
    [JsonStringEnumMemberName("confirmed")] Confirmed,
    /// <summary>The new app was abandoned and the previous one runs again.</summary>
    [JsonStringEnumMemberName("rolled_back")] RolledBack,
    /// <summary>The update failed; <see cref="DeviceReport.Reason"/> says why.</summary>
    [JsonStringEnumMemberName("failed")] Failed,
}
