using EspOta.Http;

namespace EspOta.Server.Devices;

/// <summary>Devices as the server last heard of them, and their reported history.</summary>
internal interface IDeviceStore
{
    /// <summary>Records what a device said about itself when it checked for an update (creates the row on first contact).</summary>
    Task TouchAsync(UpdateCheckRequest check, CancellationToken cancellationToken);

    /// <summary>Appends a report to the device's history, makes it the device's state and trims the history to its cap.</summary>
    Task AddReportAsync(string deviceId, DeviceReport report, CancellationToken cancellationToken);

    /// <summary>Devices ordered by id, after <paramref name="afterId"/>, at most <paramref name="limit"/>.</summary>
    Task<IReadOnlyList<DeviceSummary>> ListAsync(string? afterId, int limit, CancellationToken cancellationToken);

    /// <summary>The device and its newest <paramref name="maxHistory"/> events, or null.</summary>
    Task<DeviceDetails?> GetAsync(string deviceId, int maxHistory, CancellationToken cancellationToken);

    /// <summary>Firmware the device has rolled back from: offering it again would loop (ESP-IDF's examples compare against the last invalid partition for the same reason).</summary>
    Task<IReadOnlySet<string>> RejectedFirmwareAsync(string deviceId, CancellationToken cancellationToken);
}
