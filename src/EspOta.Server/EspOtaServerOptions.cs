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

        if (MaxImageSize <= 0 || MaxJsonBodySize <= 0 || MaxHistory <= 0 || MaxEventsPerDevice <= 0)
        {
            throw new InvalidOperationException("EspOtaServerOptions limits must be positive");
        }
    }
}
