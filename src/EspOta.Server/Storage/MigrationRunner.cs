using System.Data.Common;

namespace EspOta.Server.Storage;

/// <summary>Applies the migrations a database has not seen yet, recording each in <c>schema_migrations</c>.</summary>
internal static class MigrationRunner
{
    /// <summary>Creates the bookkeeping table; <paramref name="timeType"/> is the dialect's column type for <see cref="OtaDatabase.Time"/>.</summary>
    public static async Task EnsureTableAsync(DbConnection connection, DbTransaction transaction, string timeType)
    {
        await using var create = OtaDatabase.Command(
            connection,
            transaction,
            $"CREATE TABLE IF NOT EXISTS schema_migrations (id TEXT PRIMARY KEY, applied_at {timeType} NOT NULL)");
        await create.ExecuteNonQueryAsync().ConfigureAwait(false);
    }

    /// <summary>Runs, in order and in the caller's transaction, every migration whose id is not recorded yet; returns every applied id.</summary>
    public static async Task<IReadOnlyList<string>> ApplyAsync(OtaDatabase database, DbConnection connection, DbTransaction transaction, IReadOnlyList<Migration> migrations)
    {
        var applied = new HashSet<string>(StringComparer.Ordinal);
        await using (var select = OtaDatabase.Command(connection, transaction, "SELECT id FROM schema_migrations"))
        await using (var reader = await select.ExecuteReaderAsync().ConfigureAwait(false))
        {
            while (await reader.ReadAsync().ConfigureAwait(false))
            {
                applied.Add(reader.GetString(0));
            }
        }

        foreach (var migration in migrations)
        {
            if (applied.Contains(migration.Id))
            {
                continue;
            }

            await using (var script = OtaDatabase.Command(connection, transaction, migration.Sql))
            {
                await script.ExecuteNonQueryAsync().ConfigureAwait(false);
            }

            await using (var record = OtaDatabase.Command(
                connection,
                transaction,
                "INSERT INTO schema_migrations (id, applied_at) VALUES (@id, @at)",
                ("@id", migration.Id),
                ("@at", database.Time(DateTimeOffset.UtcNow))))
            {
                await record.ExecuteNonQueryAsync().ConfigureAwait(false);
            }

            applied.Add(migration.Id);
        }

        var all = applied.ToList();
        all.Sort(StringComparer.Ordinal);
        return all;
    }
}
