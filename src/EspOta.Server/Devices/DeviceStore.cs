using System.Data.Common;
using System.Text.Json;
using EspOta.Http;
using EspOta.Server.Storage;
using Microsoft.Extensions.Options;

namespace EspOta.Server.Devices;

/// <summary>Devices and their reports in the <c>devices</c> and <c>device_events</c> tables (SQL both providers accept).</summary>
internal sealed class DeviceStore(OtaDatabase database, TimeProvider time, IOptions<EspOtaServerOptions> options) : IDeviceStore
{
    private const string Columns = "id, chip, project, version, secure_version, state, state_version, reason, first_seen, last_seen";

    public Task TouchAsync(UpdateCheckRequest check, CancellationToken cancellationToken)
    {
        object now = database.Time(time.GetUtcNow());
        return database.WriteAsync(
            async (connection, transaction) =>
            {
                await using var upsert = OtaDatabase.Command(
                    connection,
                    transaction,
                    """
                    INSERT INTO devices (id, chip, project, version, secure_version, first_seen, last_seen)
                    VALUES (@id, @chip, @project, @version, @sv, @now, @now)
                    ON CONFLICT (id) DO UPDATE SET chip = @chip, project = @project, version = @version, secure_version = @sv, last_seen = @now
                    """,
                    ("@id", check.DeviceId),
                    ("@chip", check.Chip),
                    ("@project", check.Project),
                    ("@version", check.Version),
                    ("@sv", (long)check.SecureVersion),
                    ("@now", now));
                return await upsert.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
            },
            cancellationToken);
    }

    public Task AddReportAsync(string deviceId, DeviceReport report, CancellationToken cancellationToken)
    {
        object now = database.Time(time.GetUtcNow());
        long maxEvents = options.Value.MaxEventsPerDevice;
        string kind = KindName(report.Kind);
        return database.WriteAsync(
            async (connection, transaction) =>
            {
                await using (var upsert = OtaDatabase.Command(
                    connection,
                    transaction,
                    """
                    INSERT INTO devices (id, chip, project, version, state, state_version, state_sha256, reason, first_seen, last_seen)
                    VALUES (@id, @chip, @project, @running, @kind, @version, @sha, @reason, @now, @now)
                    ON CONFLICT (id) DO UPDATE SET
                        chip = COALESCE(@chip, devices.chip), project = COALESCE(@project, devices.project), version = COALESCE(@running, devices.version),
                        state = @kind, state_version = @version, state_sha256 = @sha, reason = @reason, last_seen = @now
                    """,
                    ("@id", deviceId),
                    ("@chip", report.Chip),
                    ("@project", report.Project),
                    ("@running", report.RunningVersion),
                    ("@kind", kind),
                    ("@version", report.Version),
                    ("@sha", report.Sha256),
                    ("@reason", report.Reason),
                    ("@now", now)))
                {
                    await upsert.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
                }

                await using (var insert = OtaDatabase.Command(
                    connection,
                    transaction,
                    "INSERT INTO device_events (device_id, kind, version, sha256, reason, at) VALUES (@id, @kind, @version, @sha, @reason, @now)",
                    ("@id", deviceId),
                    ("@kind", kind),
                    ("@version", report.Version),
                    ("@sha", report.Sha256),
                    ("@reason", report.Reason),
                    ("@now", now)))
                {
                    await insert.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
                }

                // Reports are unauthenticated: without a cap one chatty (or hostile) device grows the file without end.
                await using var trim = OtaDatabase.Command(
                    connection,
                    transaction,
                    """
                    DELETE FROM device_events WHERE device_id = @id AND seq <= (
                        SELECT seq FROM device_events WHERE device_id = @id ORDER BY seq DESC LIMIT 1 OFFSET @max)
                    """,
                    ("@id", deviceId),
                    ("@max", maxEvents));
                return await trim.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
            },
            cancellationToken);
    }

    public Task<IReadOnlyList<DeviceSummary>> ListAsync(string? afterId, int limit, CancellationToken cancellationToken) =>
        database.ReadAsync<IReadOnlyList<DeviceSummary>>(
            async connection =>
            {
                await using var command = OtaDatabase.Command(
                    connection,
                    null,
                    $"SELECT {Columns} FROM devices WHERE @after IS NULL OR id > @after ORDER BY id LIMIT @limit",
                    ("@after", afterId),
                    ("@limit", (long)limit));
                await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
                var list = new List<DeviceSummary>();
                while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
                {
                    list.Add(ReadDevice(reader));
                }

                return list;
            },
            cancellationToken);

    public Task<DeviceDetails?> GetAsync(string deviceId, int maxHistory, CancellationToken cancellationToken) =>
        database.ReadAsync(
            async connection =>
            {
                DeviceSummary device;
                await using (var command = OtaDatabase.Command(connection, null, $"SELECT {Columns} FROM devices WHERE id = @id", ("@id", deviceId)))
                await using (var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false))
                {
                    if (!await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
                    {
                        return null;
                    }

                    device = ReadDevice(reader);
                }

                await using var events = OtaDatabase.Command(
                    connection,
                    null,
                    "SELECT seq, kind, version, sha256, reason, at FROM (SELECT * FROM device_events WHERE device_id = @id ORDER BY seq DESC LIMIT @max) AS newest ORDER BY seq",
                    ("@id", deviceId),
                    ("@max", (long)maxHistory));
                await using var rows = await events.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
                var history = new List<DeviceEvent>();
                while (await rows.ReadAsync(cancellationToken).ConfigureAwait(false))
                {
                    history.Add(new DeviceEvent(
                        rows.GetInt64(0),
                        ParseKind(rows.GetString(1)),
                        OtaDatabase.NullableString(rows, 2),
                        OtaDatabase.NullableString(rows, 3),
                        OtaDatabase.NullableString(rows, 4),
                        database.ReadTime(rows, 5)));
                }

                return (DeviceDetails?)new DeviceDetails(device, history);
            },
            cancellationToken);

    public Task<IReadOnlySet<string>> RejectedFirmwareAsync(string deviceId, CancellationToken cancellationToken) =>
        database.ReadAsync<IReadOnlySet<string>>(
            async connection =>
            {
                await using var command = OtaDatabase.Command(
                    connection,
                    null,
                    "SELECT DISTINCT lower(sha256) FROM device_events WHERE device_id = @id AND kind = @kind AND sha256 IS NOT NULL",
                    ("@id", deviceId),
                    ("@kind", KindName(DeviceReportKind.RolledBack)));
                await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
                var set = new HashSet<string>(StringComparer.Ordinal);
                while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
                {
                    set.Add(reader.GetString(0));
                }

                return set;
            },
            cancellationToken);

    private static string KindName(DeviceReportKind kind) => JsonSerializer.Serialize(kind).Trim('"');

    private static DeviceReportKind ParseKind(string name) => JsonSerializer.Deserialize<DeviceReportKind>($"\"{name}\"");

    private DeviceSummary ReadDevice(DbDataReader reader) => new(
        reader.GetString(0),
        OtaDatabase.NullableString(reader, 1),
        OtaDatabase.NullableString(reader, 2),
        OtaDatabase.NullableString(reader, 3),
        OtaDatabase.NullableInt64(reader, 4) is { } sv ? checked((uint)sv) : null,
        reader.IsDBNull(5) ? null : ParseKind(reader.GetString(5)),
        OtaDatabase.NullableString(reader, 6),
        OtaDatabase.NullableString(reader, 7),
        database.ReadTime(reader, 8),
        database.ReadTime(reader, 9));
}
