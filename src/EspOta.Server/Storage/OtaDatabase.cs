using Microsoft.Data.Sqlite;

namespace EspOta.Server.Storage;

/// <summary>
/// The server's SQLite file: firmware metadata, devices and their reported history. One connection
/// per operation (pooled by Microsoft.Data.Sqlite); writes are serialized in-process because SQLite
/// has a single writer and a queue is cheaper than busy retries under a fleet of devices.
/// </summary>
internal sealed class OtaDatabase
{
    private const string Schema = """
        PRAGMA journal_mode = WAL;
        CREATE TABLE IF NOT EXISTS firmware (
            sha256         TEXT PRIMARY KEY,
            project        TEXT NOT NULL,
            version        TEXT NOT NULL,
            secure_version INTEGER NOT NULL,
            chip           TEXT NOT NULL,
            size           INTEGER NOT NULL,
            idf_version    TEXT NOT NULL,
            uploaded_at    TEXT NOT NULL,
            seq            INTEGER NOT NULL,
            UNIQUE (project, version, chip)
        );
        CREATE TABLE IF NOT EXISTS devices (
            id              TEXT PRIMARY KEY,
            chip            TEXT,
            project         TEXT,
            version         TEXT,
            secure_version  INTEGER,
            state           TEXT,
            state_version   TEXT,
            state_sha256    TEXT,
            reason          TEXT,
            first_seen      TEXT NOT NULL,
            last_seen       TEXT NOT NULL
        );
        CREATE TABLE IF NOT EXISTS device_events (
            seq        INTEGER PRIMARY KEY AUTOINCREMENT,
            device_id  TEXT NOT NULL,
            kind       TEXT NOT NULL,
            version    TEXT,
            sha256     TEXT,
            reason     TEXT,
            at         TEXT NOT NULL
        );
        CREATE INDEX IF NOT EXISTS device_events_by_device ON device_events (device_id, seq);
        """;

    private readonly SemaphoreSlim _writeLock = new(1, 1);

    public OtaDatabase(string path)
    {
        Path = path;
        ConnectionString = new SqliteConnectionStringBuilder
        {
            DataSource = path,
            Mode = SqliteOpenMode.ReadWriteCreate,
            Pooling = true,
            DefaultTimeout = 30,
        }.ToString();
        using var connection = Open();
        using var command = connection.CreateCommand();
        command.CommandText = Schema;
        command.ExecuteNonQuery();
    }

    public string Path { get; }

    public string ConnectionString { get; }

    public SqliteConnection Open()
    {
        var connection = new SqliteConnection(ConnectionString);
        connection.Open();
        return connection;
    }

    /// <summary>Runs <paramref name="write"/> as the only writer, inside one transaction.</summary>
    public async Task<T> WriteAsync<T>(Func<SqliteConnection, SqliteTransaction, T> write, CancellationToken cancellationToken)
    {
        await _writeLock.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            using var connection = Open();
            using (var pragma = connection.CreateCommand())
            {
                // In WAL mode NORMAL still keeps the database consistent; only the last commits
                // before a host power loss may be lost (sqlite.org/pragma.html#pragma_synchronous).
                pragma.CommandText = "PRAGMA synchronous = NORMAL";
                pragma.ExecuteNonQuery();
            }

            using var transaction = connection.BeginTransaction();
            var result = write(connection, transaction);
            transaction.Commit();
            return result;
        }
        finally
        {
            _writeLock.Release();
        }
    }

    public static SqliteCommand Command(SqliteConnection connection, string sql, SqliteTransaction? transaction = null, params (string Name, object? Value)[] parameters)
    {
        var command = connection.CreateCommand();
        command.CommandText = sql;
        command.Transaction = transaction;
        foreach (var (name, value) in parameters)
        {
            command.Parameters.AddWithValue(name, value ?? DBNull.Value);
        }

        return command;
    }
}
