using System.Globalization;
using EspOta.Server.Storage;
using Microsoft.Data.Sqlite;

namespace EspOta.Server.Firmware;

/// <summary>Firmware metadata in SQLite and image bytes as <c>images/&lt;sha256&gt;.bin</c>.</summary>
internal sealed class FirmwareStore
{
    private const string Columns = "sha256, project, version, secure_version, chip, size, idf_version, uploaded_at, seq";

    private readonly OtaDatabase _database;

    public FirmwareStore(OtaDatabase database, string imagesDirectory)
    {
        _database = database;
        ImagesDirectory = imagesDirectory;
    }

    public string ImagesDirectory { get; }

    public string PathOf(string sha256) => Path.Combine(ImagesDirectory, sha256 + ".bin");

    public FirmwareRecord? Get(string sha256)
    {
        using var connection = _database.Open();
        using var command = OtaDatabase.Command(connection, $"SELECT {Columns} FROM firmware WHERE sha256 = $sha", null, ("$sha", sha256));
        using var reader = command.ExecuteReader();
        return reader.Read() ? Read(reader) : null;
    }

    public IReadOnlyList<FirmwareRecord> List(string? project = null, string? chip = null)
    {
        using var connection = _database.Open();
        using var command = OtaDatabase.Command(
            connection,
            $"SELECT {Columns} FROM firmware WHERE ($project IS NULL OR project = $project) AND ($chip IS NULL OR chip = $chip) ORDER BY seq",
            null,
            ("$project", project),
            ("$chip", chip));
        using var reader = command.ExecuteReader();
        var list = new List<FirmwareRecord>();
        while (reader.Read())
        {
            list.Add(Read(reader));
        }

        return list;
    }

    /// <summary>Adds the metadata row; returns the row that already holds the sha or (project, version, chip) instead, if any.</summary>
    public Task<FirmwareRecord?> TryAddAsync(FirmwareRecord record, CancellationToken cancellationToken) =>
        _database.WriteAsync<FirmwareRecord?>(
            (connection, transaction) =>
            {
                using (var find = OtaDatabase.Command(
                    connection,
                    $"SELECT {Columns} FROM firmware WHERE sha256 = $sha OR (project = $project AND version = $version AND chip = $chip)",
                    transaction,
                    ("$sha", record.Sha256),
                    ("$project", record.Project),
                    ("$version", record.Version),
                    ("$chip", record.Chip)))
                using (var reader = find.ExecuteReader())
                {
                    if (reader.Read())
                    {
                        return Read(reader);
                    }
                }

                using var insert = OtaDatabase.Command(
                    connection,
                    $"INSERT INTO firmware ({Columns}) VALUES ($sha, $project, $version, $sv, $chip, $size, $idf, $at, (SELECT COALESCE(MAX(seq), 0) + 1 FROM firmware))",
                    transaction,
                    ("$sha", record.Sha256),
                    ("$project", record.Project),
                    ("$version", record.Version),
                    ("$sv", (long)record.SecureVersion),
                    ("$chip", record.Chip),
                    ("$size", record.Size),
                    ("$idf", record.IdfVersion),
                    ("$at", record.UploadedAt.ToString("O", CultureInfo.InvariantCulture)));
                insert.ExecuteNonQuery();
                return null;
            },
            cancellationToken);

    private static FirmwareRecord Read(SqliteDataReader reader) => new(
        reader.GetString(0),
        reader.GetString(1),
        reader.GetString(2),
        checked((uint)reader.GetInt64(3)),
        reader.GetString(4),
        reader.GetInt64(5),
        reader.GetString(6),
        DateTimeOffset.Parse(reader.GetString(7), CultureInfo.InvariantCulture, DateTimeStyles.RoundtripKind),
        reader.GetInt64(8));
}
