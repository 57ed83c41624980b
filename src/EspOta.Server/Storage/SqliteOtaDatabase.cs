using System.Data.Common;
using System.Globalization;
using Microsoft.Data.Sqlite;

namespace EspOta.Server.Storage;

/// <summary>
/// The embedded default: one SQLite file in WAL mode. Writes are serialized in-process because
/// SQLite has a single writer and a queue is cheaper than busy retries under a fleet of devices;
/// a second process on the same file waits on SQLite's own lock (busy timeout), so it stays
/// correct, only slower — use PostgreSQL for more than one server.
/// </summary>
internal sealed class SqliteOtaDatabase : OtaDatabase
{
    private readonly SemaphoreSlim _writeLock = new(1, 1);
    private readonly string _connectionString;

    public SqliteOtaDatabase(string connectionString)
    {
        var builder = new SqliteConnectionStringBuilder(connectionString) { Mode = SqliteOpenMode.ReadWriteCreate };
        if (!connectionString.Contains("pooling", StringComparison.OrdinalIgnoreCase))
        {
            builder.Pooling = true;
        }

        if (builder.DefaultTimeout == new SqliteConnectionStringBuilder().DefaultTimeout)
        {
            builder.DefaultTimeout = 30;
        }

        _connectionString = builder.ToString();
        DataSource = builder.DataSource;
        using (var connection = Open())
        using (var wal = connection.CreateCommand())
        {
            // journal_mode cannot change inside a transaction, so not in a migration.
            wal.CommandText = "PRAGMA journal_mode = WAL";
            wal.ExecuteNonQuery();
        }

        AppliedMigrations = MigrateAsync().GetAwaiter().GetResult();
    }

    public override StorageProvider Provider => StorageProvider.Sqlite;

    /// <summary>The database file.</summary>
    public string DataSource { get; }

    public override ValueTask<DbConnection> OpenAsync(CancellationToken cancellationToken) => ValueTask.FromResult<DbConnection>(Open());

    public override async Task<T> WriteAsync<T>(Func<DbConnection, DbTransaction, Task<T>> write, CancellationToken cancellationToken)
    {
        await _writeLock.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            await using var connection = Open();
            using (var pragma = connection.CreateCommand())
            {
                // In WAL mode NORMAL still keeps the database consistent; only the last commits
                // before a host power loss may be lost (sqlite.org/pragma.html#pragma_synchronous).
                pragma.CommandText = "PRAGMA synchronous = NORMAL";
                pragma.ExecuteNonQuery();
            }

            // Immediate: take the write lock now, so another process cannot make this transaction fail on upgrade.
            await using var transaction = connection.BeginTransaction(deferred: false);
            var result = await write(connection, transaction).ConfigureAwait(false);
            await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
            return result;
        }
        finally
        {
            _writeLock.Release();
        }
    }

    public override Task LockAsync(DbConnection connection, DbTransaction transaction, string key, CancellationToken cancellationToken) =>
        Task.CompletedTask;

    public override object Time(DateTimeOffset value) => value.ToUniversalTime().ToString("O", CultureInfo.InvariantCulture);

    public override DateTimeOffset ReadTime(DbDataReader reader, int ordinal) =>
        DateTimeOffset.Parse(reader.GetString(ordinal), CultureInfo.InvariantCulture, DateTimeStyles.RoundtripKind);

    public override void Dispose()
    {
        _writeLock.Dispose();
        SqliteConnection.ClearAllPools();
    }

    private SqliteConnection Open()
    {
        var connection = new SqliteConnection(_connectionString);
        connection.Open();
        return connection;
    }

    private async Task<IReadOnlyList<string>> MigrateAsync()
    {
        return await WriteAsync(
            async (connection, transaction) =>
            {
                await MigrationRunner.EnsureTableAsync(connection, transaction, "TEXT").ConfigureAwait(false);
                return await MigrationRunner.ApplyAsync(this, connection, transaction, Migrations.For(Provider)).ConfigureAwait(false);
            },
            CancellationToken.None).ConfigureAwait(false);
    }
}
