using EspOta.Server.Storage;

namespace EspOta.Server;

/// <summary>Settings of the update server.</summary>
public sealed class EspOtaServerOptions
{
    /// <summary>Folder for the SQLite database (<c>esp-ota.db</c>), the images (<c>images/&lt;sha256&gt;.bin</c>) and uploads in progress (<c>tmp/</c>).</summary>
    public string DataDirectory { get; set; } = "";

    /// <summary>Where metadata lives: <see cref="StorageProvider.Sqlite"/> (default) or <see cref="StorageProvider.PostgreSql"/>.</summary>
    public StorageProvider DatabaseProvider { get; set; } = StorageProvider.Sqlite;

    /// <summary>
    /// The ADO.NET connection string of <see cref="DatabaseProvider"/>. Empty for SQLite means
    /// <c>esp-ota.db</c> in <see cref="DataDirectory"/>; PostgreSQL needs one (<c>Host=…;Database=…;Username=…</c>).
    /// </summary>
    public string ConnectionString { get; set; } = "";

    /// <summary>The key that uploads and admin endpoints require in the <c>X-Api-Key</c> header. Must not be empty.</summary>
    public string ApiKey { get; set; } = "";

    /// <summary>Largest image accepted by an upload, in bytes (default 16 MiB, the largest app partition on a 32 MiB flash is below it).</summary>
    public long MaxImageSize { get; set; } = 16 * 1024 * 1024;

    /// <summary>Largest JSON request body (update checks, device reports), in bytes.</summary>
    public int MaxJsonBodySize { get; set; } = 16 * 1024;

    /// <summary>Most events returned for one device's history.</summary>
    public int MaxHistory { get; set; } = 500;

    /// <summary>Most events kept per device; reports need no key, so older events are deleted as new ones arrive.</summary>
    public int MaxEventsPerDevice { get; set; } = 1000;

    /// <summary>How often the rollout gates are evaluated when no device reports (soak times ending).</summary>
    public TimeSpan RolloutEvaluationInterval { get; set; } = TimeSpan.FromSeconds(5);
    /// <summary>Longest project name, version or chip name stored (esp_app_desc_t holds 32 bytes; longer is refused with 400).</summary>
    public int MaxNameLength { get; set; } = 64;

    /// <summary>Longest failure or rollback reason stored (longer is refused with 400).</summary>
    public int MaxReasonLength { get; set; } = 256;

    /// <summary>A request body that sends no bytes for this long is answered 408.</summary>
    public TimeSpan RequestBodyIdleTimeout { get; set; } = TimeSpan.FromSeconds(15);

    /// <summary>Update checks and reports allowed per second per client address (token bucket); 0 turns the limit off.</summary>
    public int DeviceRequestsPerSecond { get; set; } = 100;

    /// <summary>How many device requests a client address may make in a burst before <see cref="DeviceRequestsPerSecond"/> applies.</summary>
    public int DeviceRequestBurst { get; set; } = 1000;

    /// <summary>
    /// When true, update checks and reports need the device's token (issued by
    /// <c>POST /api/devices/{id}/enrollment</c> with the API key) in <c>X-Device-Token</c>: unknown devices create no rows.
    /// </summary>
    public bool RequireEnrollment { get; set; }

    /// <summary>Items per page of a list endpoint when the request does not say (<c>?limit=</c>).</summary>
    public int DefaultPageSize { get; set; } = 100;

    /// <summary>Most items per page of a list endpoint.</summary>
    public int MaxPageSize { get; set; } = 1000;

    /// <summary>
    /// When set, offers point devices at <c>&lt;CdnBaseUrl&gt;/&lt;sha256&gt;.bin</c> (a static server or CDN
    /// serving the <c>images</c> folder) instead of this server's download endpoint.
    /// </summary>
    public string CdnBaseUrl { get; set; } = "";

    /// <summary>
    /// Files in <c>images/</c> without a row are adopted (or removed) at startup only when older than this:
    /// another server sharing the folder may be between moving an upload into place and writing its row.
    /// Zero with SQLite (one process) is safe; the default suits a shared folder.
    /// </summary>
    public TimeSpan ReconcileMinAge { get; set; } = TimeSpan.FromMinutes(10);

    /// <summary>
    /// Kestrel's socket transport runs request code on the thread that received the bytes, and sends
    /// on the thread that flushed, instead of queueing each to the thread pool
    /// (<c>SocketTransportOptions.UnsafePreferInlineScheduling</c>; applies to hosts made by
    /// <see cref="EspOtaServerHost"/>). Socket completions still arrive on thread-pool threads (the
    /// runtime's own inline completions stay off), so a handler that blocks holds one pool thread as
    /// before, plus its own connection's reads; no handler here blocks on anything but its own
    /// request's database and file work. A download costs about half the CPU with it (bench/wrk-download.sh).
    /// </summary>
    public bool InlineSocketScheduling { get; set; } = true;

    internal void Validate()
    {
        if (string.IsNullOrWhiteSpace(DataDirectory))
        {
            throw new InvalidOperationException("EspOtaServerOptions.DataDirectory must be set");
        }

        if (string.IsNullOrEmpty(ApiKey))
        {
            throw new InvalidOperationException("EspOtaServerOptions.ApiKey must be set: uploads and admin endpoints need it");
        }

        if (DatabaseProvider == StorageProvider.PostgreSql && string.IsNullOrWhiteSpace(ConnectionString))
        {
            throw new InvalidOperationException("EspOtaServerOptions.ConnectionString must be set for PostgreSQL");
        }

        if (CdnBaseUrl.Length > 0 && !Uri.TryCreate(CdnBaseUrl, UriKind.Absolute, out _))
        {
            throw new InvalidOperationException("EspOtaServerOptions.CdnBaseUrl must be an absolute URL");
        }

        if (MaxImageSize <= 0 || MaxJsonBodySize <= 0 || MaxHistory <= 0 || MaxEventsPerDevice <= 0 || MaxNameLength <= 0 || MaxReasonLength <= 0
            || DeviceRequestsPerSecond < 0 || DeviceRequestBurst <= 0 || DefaultPageSize <= 0 || MaxPageSize < DefaultPageSize
            || RequestBodyIdleTimeout <= TimeSpan.Zero || ReconcileMinAge < TimeSpan.Zero)
        {
            throw new InvalidOperationException("EspOtaServerOptions limits must be positive");
        }
    }
}
