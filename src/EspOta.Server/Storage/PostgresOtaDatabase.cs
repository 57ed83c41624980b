using System.Data.Common;
using Npgsql;

namespace EspOta.Server.Storage;

/// <summary>
/// PostgreSQL through Npgsql. Any number of server processes may share the database: what must
/// happen once (an upload's row, a rollout step) is decided by the database — unique constraints,
/// <c>INSERT … ON CONFLICT</c> and <see cref="LockAsync"/> (<c>pg_advisory_xact_lock</c>) — never by
/// an in-process lock.
/// </summary>
internal sealed class PostgresOtaDatabase : OtaDatabase
{
    private const int MaxAttempts = 5;

    private readonly NpgsqlDataSource _dataSource;

    public PostgresOtaDatabase(string connectionString)
    {
        _dataSource = NpgsqlDataSource.Create(connectionString);
        AppliedMigrations = WriteAsync(
            async (connection, transaction) =>
            {
                // Two servers starting together: the second waits here and then finds nothing to do.
                await LockAsync(connection, transaction, "esp-ota:schema", CancellationToken.None).ConfigureAwait(false);
                await MigrationRunner.EnsureTableAsync(connection, transaction, "timestamptz").ConfigureAwait(false);
                return await MigrationRunner.ApplyAsync(this, connection, transaction, Migrations.For(Provider)).ConfigureAwait(false);
            },
            CancellationToken.None).GetAwaiter().GetResult();
    }

    public override StorageProvider Provider => StorageProvider.PostgreSql;

    public override async ValueTask<DbConnection> OpenAsync(CancellationToken cancellationToken) =>
        await _dataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);

    public override async Task<T> WriteAsync<T>(Func<DbConnection, DbTransaction, Task<T>> write, CancellationToken cancellationToken)
    {
        for (int attempt = 1; ; attempt++)
        {
            await using var connection = await _dataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
            await using var transaction = await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
            try
            {
                var result = await write(connection, transaction).ConfigureAwait(false);
                await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
                return result;
            }
            catch (PostgresException e) when (attempt < MaxAttempts
                && e.SqlState is PostgresErrorCodes.SerializationFailure or PostgresErrorCodes.DeadlockDetected)
            {
                await Task.Delay(TimeSpan.FromMilliseconds(5 * attempt * Random.Shared.Next(1, 4)), cancellationToken).ConfigureAwait(false);
            }
        }
    }

    public override async Task LockAsync(DbConnection connection, DbTransaction transaction, string key, CancellationToken cancellationToken)
    {
        // hashtext gives a 32-bit key; a collision only makes two unrelated steps wait for each other.
        await using var command = Command(connection, transaction, "SELECT pg_advisory_xact_lock(hashtext(@key))", ("@key", key));
        await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }

    public override object Time(DateTimeOffset value) => value.ToUniversalTime();

    public override DateTimeOffset ReadTime(DbDataReader reader, int ordinal) => reader.GetFieldValue<DateTimeOffset>(ordinal);

    public override void Dispose() => _dataSource.Dispose();
}
