using EspOta.Http;

namespace EspOta.Server.Devices;

/// <summary>Devices as the server last heard of them, and their reported history.</summary>
internal interface IDeviceStore
{
    /// <summary>
    /// Records what a device said about itself when it checked for an update (creates the row on
    /// first contact) and, when not null, the image the server offered it.
    /// </summary>
    Task TouchAsync(UpdateCheckRequest check, string? offeredSha256, CancellationToken cancellationToken);

    /// <summary>
    /// Appends a report to the device's history, makes it the device's state and trims the history to
    /// its cap. A <c>rolled_back</c> report blocks its image for the device only when
    /// <paramref name="fromDevice"/> (the device's enrolment token) or after the server offered that
    /// image to that device; returns whether it did.
    /// </summary>
    Task<bool> AddReportAsync(string deviceId, DeviceReport report, bool fromDevice, CancellationToken cancellationToken);

    /// <summary>True when the device has a row.</summary>
    Task<bool> ExistsAsync(string deviceId, CancellationToken cancellationToken);

    /// <summary>Stores (replacing any) the SHA-256 of the device's enrolment token.</summary>
    Task SetTokenAsync(string deviceId, string tokenSha256, CancellationToken cancellationToken);

    /// <summary>The SHA-256 of the device's enrolment token, or null when it has none.</summary>
    Task<string?> GetTokenSha256Async(string deviceId, CancellationToken cancellationToken);

    /// <summary>Devices ordered by id, after <paramref name="afterId"/>, at most <paramref name="limit"/>.</summary>
    Task<IReadOnlyList<DeviceSummary>> ListAsync(string? afterId, int limit, CancellationToken cancellationToken);

    /// <summary>The device and its newest <paramref name="maxHistory"/> events, or null.</summary>
    Task<DeviceDetails?> GetAsync(string deviceId, int maxHistory, CancellationToken cancellationToken);

    /// <summary>Firmware the device has rolled back from: offering it again would loop (ESP-IDF's examples compare against the last invalid partition for the same reason).</summary>
    Task<IReadOnlySet<string>> RejectedFirmwareAsync(string deviceId, CancellationToken cancellationToken);
}
