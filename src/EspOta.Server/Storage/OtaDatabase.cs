using System.Data;
using System.Data.Common;
using System.Globalization;

namespace EspOta.Server.Storage;

/// <summary>
/// The server's metadata database, SQLite or PostgreSQL behind one face: connections, transactions,
/// a cross-process lock, and the few places where the two dialects differ. Feature stores
/// (<c>IFirmwareStore</c>, <c>IDeviceStore</c>, …) are written against this type with SQL both
/// dialects accept (<c>@name</c> parameters, <c>INSERT … ON CONFLICT</c>, <c>LIMIT</c>), and switch
/// on <see cref="Provider"/> where they cannot. See <c>docs/storage.md</c>.
/// </summary>
internal abstract class OtaDatabase : IDisposable
{
    /// <summary>Which database this is.</summary>
    public abstract StorageProvider Provider { get; }

    /// <summary>Migrations applied when this instance was created (it applies any missing one first).</summary>
    public IReadOnlyList<string> AppliedMigrations { get; protected set; } = [];

    /// <summary>Opens a pooled connection; dispose it when done.</summary>
    public abstract ValueTask<DbConnection> OpenAsync(CancellationToken cancellationToken);

    /// <summary>Runs <paramref name="read"/> on its own connection, outside a transaction.</summary>
    public async Task<T> ReadAsync<T>(Func<DbConnection, Task<T>> read, CancellationToken cancellationToken)
    {
        await using var connection = await OpenAsync(cancellationToken).ConfigureAwait(false);
        return await read(connection).ConfigureAwait(false);
    }

    /// <summary>
    /// Runs <paramref name="write"/> inside one transaction and commits it. On PostgreSQL a
    /// serialization failure or deadlock retries the whole delegate, so it must not have effects
    /// outside the database.
    /// </summary>
    public abstract Task<T> WriteAsync<T>(Func<DbConnection, DbTransaction, Task<T>> write, CancellationToken cancellationToken);

    /// <summary>
    /// Takes an exclusive lock named <paramref name="key"/> until <paramref name="transaction"/> ends,
    /// across every server process on this database (PostgreSQL: <c>pg_advisory_xact_lock</c>; SQLite:
    /// writes are already serialized, one writer per file). Use it where "check, then write" must
    /// happen once fleet-wide, e.g. advancing a rollout.
    /// </summary>
    public abstract Task LockAsync(DbConnection connection, DbTransaction transaction, string key, CancellationToken cancellationToken);

    /// <summary>True when the database answers a trivial query (for <c>/readyz</c>).</summary>
    public async Task<bool> PingAsync(CancellationToken cancellationToken)
    {
        try
        {
            await using var connection = await OpenAsync(cancellationToken).ConfigureAwait(false);
            await using var command = Command(connection, null, "SELECT 1");
            return Convert.ToInt64(await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false), CultureInfo.InvariantCulture) == 1;
        }
        catch (DbException)
        {
            return false;
        }
        catch (InvalidOperationException)
        {
            return false;
        }
    }

    /// <summary>The parameter value for a point in time (PostgreSQL <c>timestamptz</c>; SQLite ISO 8601 text).</summary>
    public abstract object Time(DateTimeOffset value);

    /// <summary>Reads a column written with <see cref="Time"/>.</summary>
    public abstract DateTimeOffset ReadTime(DbDataReader reader, int ordinal);

    /// <summary>A command with <c>@name</c> parameters; a null value is sent as a NULL of type text.</summary>
    public static DbCommand Command(DbConnection connection, DbTransaction? transaction, string sql, params ReadOnlySpan<(string Name, object? Value)> parameters)
    {
        var command = connection.CreateCommand();
        command.CommandText = sql;
        command.Transaction = transaction;
        foreach (var (name, value) in parameters)
        {
            var parameter = command.CreateParameter();
            parameter.ParameterName = name;
            if (value is null)
            {
                parameter.DbType = DbType.String;
                parameter.Value = DBNull.Value;
            }
            else
            {
                parameter.Value = value;
            }

            command.Parameters.Add(parameter);
        }

        return command;
    }

    /// <summary>A nullable text column.</summary>
    public static string? NullableString(DbDataReader reader, int ordinal) => reader.IsDBNull(ordinal) ? null : reader.GetString(ordinal);

    /// <summary>A nullable integer column.</summary>
    public static long? NullableInt64(DbDataReader reader, int ordinal) => reader.IsDBNull(ordinal) ? null : reader.GetInt64(ordinal);

    /// <inheritdoc />
    public abstract void Dispose();
}
