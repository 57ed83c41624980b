namespace EspOta.Server.Storage;

/// <summary>Opens (and migrates) the database the options name.</summary>
internal static class OtaDatabaseFactory
{
    /// <summary>The SQLite file used when no connection string is configured.</summary>
    public const string DefaultSqliteFile = "esp-ota.db";

    public static OtaDatabase Create(EspOtaServerOptions options) => options.DatabaseProvider switch
    {
        StorageProvider.Sqlite => new SqliteOtaDatabase(
            string.IsNullOrWhiteSpace(options.ConnectionString)
                ? $"Data Source={Path.Combine(options.DataDirectory, DefaultSqliteFile)}"
                : options.ConnectionString),
        StorageProvider.PostgreSql => new PostgresOtaDatabase(options.ConnectionString),
        _ => throw new InvalidOperationException($"unknown database provider {options.DatabaseProvider}"),
    };
}
