namespace EspOta.Server.Storage;

/// <summary>Which database the server keeps its metadata in.</summary>
public enum StorageProvider
{
    /// <summary>An embedded SQLite file (the default: <c>esp-ota.db</c> in the data folder). One server process.</summary>
    Sqlite,

    /// <summary>A PostgreSQL server (Npgsql). Any number of server processes may share it.</summary>
    PostgreSql,
}
