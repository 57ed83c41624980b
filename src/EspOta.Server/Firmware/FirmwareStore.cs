using System.Data.Common;
using EspOta.Server.Storage;

namespace EspOta.Server.Firmware;

/// <summary>Firmware metadata in the <c>firmware</c> table (SQL both providers accept).</summary>
internal sealed class FirmwareStore(OtaDatabase database) : IFirmwareStore
{
    private const string Columns = "sha256, project, version, secure_version, chip, size, idf_version, uploaded_at, seq";

    public Task<FirmwareRecord?> GetAsync(string sha256, CancellationToken cancellationToken) =>
        database.ReadAsync(
            async connection =>
            {
                await using var command = OtaDatabase.Command(connection, null, $"SELECT {Columns} FROM firmware WHERE sha256 = @sha", ("@sha", sha256));
                await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
                return await reader.ReadAsync(cancellationToken).ConfigureAwait(false) ? Read(reader) : null;
            },
            cancellationToken);

    public Task<IReadOnlyList<FirmwareRecord>> ListAsync(string? project, string? chip, long? afterSequence, int limit, CancellationToken cancellationToken) =>
        database.ReadAsync<IReadOnlyList<FirmwareRecord>>(
            async connection =>
            {
                await using var command = OtaDatabase.Command(
                    connection,
                    null,
                    $"""
                    SELECT {Columns} FROM firmware
                    WHERE (@project IS NULL OR project = @project) AND (@chip IS NULL OR chip = @chip) AND seq > @after
                    ORDER BY seq LIMIT @limit
                    """,
                    ("@project", project),
                    ("@chip", chip),
                    ("@after", afterSequence ?? 0L),
                    ("@limit", (long)limit));
                await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
                var list = new List<FirmwareRecord>();
                while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
                {
                    list.Add(Read(reader));
                }

                return list;
            },
            cancellationToken);

    public Task<FirmwareRecord?> TryAddAsync(FirmwareRecord record, CancellationToken cancellationToken) =>
        database.WriteAsync<FirmwareRecord?>(
            async (connection, transaction) =>
            {
                // Serializes uploads across processes, so seq is strictly increasing in upload order.
                await database.LockAsync(connection, transaction, "esp-ota:firmware", cancellationToken).ConfigureAwait(false);
                await using (var find = OtaDatabase.Command(
                    connection,
                    transaction,
                    $"SELECT {Columns} FROM firmware WHERE sha256 = @sha OR (project = @project AND version = @version AND chip = @chip)",
                    ("@sha", record.Sha256),
                    ("@project", record.Project),
                    ("@version", record.Version),
                    ("@chip", record.Chip)))
                await using (var reader = await find.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false))
                {
                    if (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
                    {
                        return Read(reader);
                    }
                }

                // ON CONFLICT DO NOTHING as well: the unique keys, not the lock, are what guarantee one row.
                await using var insert = OtaDatabase.Command(
                    connection,
                    transaction,
                    $"""
                    INSERT INTO firmware ({Columns})
                    VALUES (@sha, @project, @version, @sv, @chip, @size, @idf, @at, (SELECT COALESCE(MAX(seq), 0) + 1 FROM firmware))
                    ON CONFLICT DO NOTHING
                    """,
                    ("@sha", record.Sha256),
                    ("@project", record.Project),
                    ("@version", record.Version),
                    ("@sv", (long)record.SecureVersion),
                    ("@chip", record.Chip),
                    ("@size", record.Size),
                    ("@idf", record.IdfVersion),
                    ("@at", database.Time(record.UploadedAt)));
                if (await insert.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false) == 1)
                {
                    return null;
                }

                await using var again = OtaDatabase.Command(
                    connection,
                    transaction,
                    $"SELECT {Columns} FROM firmware WHERE sha256 = @sha OR (project = @project AND version = @version AND chip = @chip)",
                    ("@sha", record.Sha256),
                    ("@project", record.Project),
                    ("@version", record.Version),
                    ("@chip", record.Chip));
                await using var existing = await again.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
                return await existing.ReadAsync(cancellationToken).ConfigureAwait(false)
                    ? Read(existing)
                    : throw new InvalidOperationException("firmware insert conflicted with a row that is not there");
            },
            cancellationToken);

    public Task<IReadOnlyList<string>> ListHashesAsync(CancellationToken cancellationToken) =>
        database.ReadAsync<IReadOnlyList<string>>(
            async connection =>
            {
                await using var command = OtaDatabase.Command(connection, null, "SELECT sha256 FROM firmware");
                await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
                var list = new List<string>();
                while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
                {
                    list.Add(reader.GetString(0));
                }

                return list;
            },
            cancellationToken);

    private FirmwareRecord Read(DbDataReader reader) => new(
        reader.GetString(0),
        reader.GetString(1),
        reader.GetString(2),
        checked((uint)reader.GetInt64(3)),
        reader.GetString(4),
        reader.GetInt64(5),
        reader.GetString(6),
        database.ReadTime(reader, 7),
        reader.GetInt64(8));
}
