using System.Globalization;
using System.Text.Json;
using EspOta.Http;
using EspOta.Server.Storage;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Options;

namespace EspOta.Server.Devices;

/// <summary>Devices and their reports in SQLite.</summary>
internal sealed class DeviceStore(OtaDatabase database, TimeProvider time, IOptions<EspOtaServerOptions> options)
{
    private const string Columns = "id, chip, project, version, secure_version, state, state_version, reason, first_seen, last_seen";

    /// <summary>Records what a device said about itself when it checked for an update.</summary>
    public Task TouchAsync(UpdateCheckRequest check, CancellationToken cancellationToken)
    {
        string now = Now();
        return database.WriteAsync(
            (connection, transaction) =>
            {
                using var upsert = OtaDatabase.Command(
                    connection,
                    """
                    INSERT INTO devices (id, chip, project, version, secure_version, first_seen, last_seen)
                    VALUES ($id, $chip, $project, $version, $sv, $now, $now)
                    ON CONFLICT (id) DO UPDATE SET chip = $chip, project = $project, version = $version, secure_version = $sv, last_seen = $now
                    """,
                    transaction,
                    ("$id", check.DeviceId),
                    ("$chip", check.Chip),
                    ("$project", check.Project),
                    ("$version", check.Version),
                    ("$sv", (long)check.SecureVersion),
                    ("$now", now));
                return upsert.ExecuteNonQuery();
            },
            cancellationToken);
    }

    /// <summary>Appends a report to the device's history, makes it the device's state and drops the events beyond <see cref="EspOtaServerOptions.MaxEventsPerDevice"/>.</summary>
    public Task AddReportAsync(string deviceId, DeviceReport report, CancellationToken cancellationToken)
    {
        string now = Now();
        int maxEvents = options.Value.MaxEventsPerDevice;
        string kind = KindName(report.Kind);
        return database.WriteAsync(
            (connection, transaction) =>
            {
                using (var upsert = OtaDatabase.Command(
                    connection,
                    """
                    INSERT INTO devices (id, chip, project, version, state, state_version, state_sha256, reason, first_seen, last_seen)
                    VALUES ($id, $chip, $project, $running, $kind, $version, $sha, $reason, $now, $now)
                    ON CONFLICT (id) DO UPDATE SET
                        chip = COALESCE($chip, chip), project = COALESCE($project, project), version = COALESCE($running, version),
                        state = $kind, state_version = $version, state_sha256 = $sha, reason = $reason, last_seen = $now
                    """,
                    transaction,
                    ("$id", deviceId),
                    ("$chip", report.Chip),
                    ("$project", report.Project),
                    ("$running", report.RunningVersion),
                    ("$kind", kind),
                    ("$version", report.Version),
                    ("$sha", report.Sha256),
                    ("$reason", report.Reason),
                    ("$now", now)))
                {
                    upsert.ExecuteNonQuery();
                }

                using (var insert = OtaDatabase.Command(
                    connection,
                    "INSERT INTO device_events (device_id, kind, version, sha256, reason, at) VALUES ($id, $kind, $version, $sha, $reason, $now)",
                    transaction,
                    ("$id", deviceId),
                    ("$kind", kind),
                    ("$version", report.Version),
                    ("$sha", report.Sha256),
                    ("$reason", report.Reason),
                    ("$now", now)))
                {
                    insert.ExecuteNonQuery();
                }

                // Reports are unauthenticated: without a cap one chatty (or hostile) device grows the file without end.
                using var trim = OtaDatabase.Command(
                    connection,
                    """
                    DELETE FROM device_events WHERE device_id = $id AND seq <= (
                        SELECT seq FROM device_events WHERE device_id = $id ORDER BY seq DESC LIMIT 1 OFFSET $max)
                    """,
                    transaction,
                    ("$id", deviceId),
                    ("$max", maxEvents));
                return trim.ExecuteNonQuery();
            },
            cancellationToken);
    }

    public IReadOnlyList<DeviceSummary> List()
    {
        using var connection = database.Open();
        using var command = OtaDatabase.Command(connection, $"SELECT {Columns} FROM devices ORDER BY id");
        using var reader = command.ExecuteReader();
        var list = new List<DeviceSummary>();
        while (reader.Read())
        {
            list.Add(ReadDevice(reader));
        }

        return list;
    }

    public DeviceDetails? Get(string deviceId, int maxHistory)
    {
        using var connection = database.Open();
        DeviceSummary device;
        using (var command = OtaDatabase.Command(connection, $"SELECT {Columns} FROM devices WHERE id = $id", null, ("$id", deviceId)))
        using (var reader = command.ExecuteReader())
        {
            if (!reader.Read())
            {
                return null;
            }

            device = ReadDevice(reader);
        }

        using var events = OtaDatabase.Command(
            connection,
            "SELECT seq, kind, version, sha256, reason, at FROM (SELECT * FROM device_events WHERE device_id = $id ORDER BY seq DESC LIMIT $max) ORDER BY seq",
            null,
            ("$id", deviceId),
            ("$max", maxHistory));
        using var rows = events.ExecuteReader();
        var history = new List<DeviceEvent>();
        while (rows.Read())
        {
            history.Add(new DeviceEvent(
                rows.GetInt64(0),
                ParseKind(rows.GetString(1)),
                NullableString(rows, 2),
                NullableString(rows, 3),
                NullableString(rows, 4),
                ParseTime(rows.GetString(5))));
        }

        return new DeviceDetails(device, history);
    }

    /// <summary>Firmware the device has rolled back from: offering it again would loop (ESP-IDF's examples compare against the last invalid partition for the same reason).</summary>
    public IReadOnlySet<string> RejectedFirmware(string deviceId)
    {
        using var connection = database.Open();
        using var command = OtaDatabase.Command(
            connection,
            "SELECT DISTINCT lower(sha256) FROM device_events WHERE device_id = $id AND kind = $kind AND sha256 IS NOT NULL",
            null,
            ("$id", deviceId),
            ("$kind", KindName(DeviceReportKind.RolledBack)));
        using var reader = command.ExecuteReader();
        var set = new HashSet<string>(StringComparer.Ordinal);
        while (reader.Read())
        {
            set.Add(reader.GetString(0));
        }

        return set;
    }

    private string Now() => time.GetUtcNow().ToString("O", CultureInfo.InvariantCulture);

    private static string KindName(DeviceReportKind kind) => JsonSerializer.Serialize(kind, OtaJsonContext.Default.DeviceReportKind).Trim('"');

    private static DeviceReportKind ParseKind(string name) => JsonSerializer.Deserialize($"\"{name}\"", OtaJsonContext.Default.DeviceReportKind);

    private static DeviceSummary ReadDevice(SqliteDataReader reader) => new(
        reader.GetString(0),
        NullableString(reader, 1),
        NullableString(reader, 2),
        NullableString(reader, 3),
        reader.IsDBNull(4) ? null : checked((uint)reader.GetInt64(4)),
        reader.IsDBNull(5) ? null : ParseKind(reader.GetString(5)),
        NullableString(reader, 6),
        NullableString(reader, 7),
        ParseTime(reader.GetString(8)),
        ParseTime(reader.GetString(9)));

    private static string? NullableString(SqliteDataReader reader, int ordinal) => reader.IsDBNull(ordinal) ? null : reader.GetString(ordinal);

    private static DateTimeOffset ParseTime(string value) => DateTimeOffset.Parse(value, CultureInfo.InvariantCulture, DateTimeStyles.RoundtripKind);
}
