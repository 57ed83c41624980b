using System.Data.Common;
using System.Text.Json;
using EspOta.Http;
using EspOta.Server.Storage;
using Microsoft.Extensions.Options;

namespace EspOta.Server.Devices;

/// <summary>Devices and their reports in the <c>devices</c> and <c>device_events</c> tables (SQL both providers accept).</summary>
internal sealed class DeviceStore(OtaDatabase database, TimeProvider time, IOptions<EspOtaServerOptions> options) : IDeviceStore
{
    // The reason lives once, in the state event (issue 16): the row points at it.
    private const string Select = """
        SELECT d.id, d.chip, d.project, d.version, d.secure_version, d.state, d.state_version, e.reason, d.first_seen, d.last_seen
        FROM devices d LEFT JOIN device_events e ON e.seq = d.state_seq
        """;

    public Task TouchAsync(UpdateCheckRequest check, string? offeredSha256, CancellationToken cancellationToken)
    {
        object now = database.Time(time.GetUtcNow());
        return database.WriteAsync(
            async (connection, transaction) =>
            {
                await using var upsert = OtaDatabase.Command(
                    connection,
                    transaction,
                    """
                    INSERT INTO devices (id, chip, project, version, secure_version, offered_sha256, first_seen, last_seen)
                    VALUES (@id, @chip, @project, @version, @sv, @offered, @now, @now)
                    ON CONFLICT (id) DO UPDATE SET chip = @chip, project = @project, version = @version, secure_version = @sv,
                        offered_sha256 = COALESCE(@offered, devices.offered_sha256), last_seen = @now
                    """,
                    ("@offered", offeredSha256),
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

    public Task<bool> AddReportAsync(string deviceId, DeviceReport report, bool fromDevice, CancellationToken cancellationToken)
    {
        object now = database.Time(time.GetUtcNow());
        long maxEvents = options.Value.MaxEventsPerDevice;
        string kind = KindName(report.Kind);
        return database.WriteAsync(
            async (connection, transaction) =>
            {
                long seq;
                await using (var insert = OtaDatabase.Command(
                    connection,
                    transaction,
                    "INSERT INTO device_events (device_id, kind, version, sha256, reason, at) VALUES (@id, @kind, @version, @sha, @reason, @now) RETURNING seq",
                    ("@id", deviceId),
                    ("@kind", kind),
                    ("@version", report.Version),
                    ("@sha", report.Sha256),
                    ("@reason", report.Reason),
                    ("@now", now)))
                {
                    seq = Convert.ToInt64(await insert.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false), System.Globalization.CultureInfo.InvariantCulture);
                }

                bool counts = false;
                if (report.Kind == DeviceReportKind.RolledBack && report.Sha256 is { } sha)
                {
                    // Issue 16: a rollback blocks an image for the device only when the device itself
                    // says so (its enrolment token) or when it follows the server's offer of that image.
                    counts = fromDevice;
                    if (!counts)
                    {
                        await using var offered = OtaDatabase.Command(connection, transaction, "SELECT offered_sha256 FROM devices WHERE id = @id", ("@id", deviceId));
                        counts = await offered.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false) is string o && o == sha;
                    }

                    if (counts)
                    {
                        await using var reject = OtaDatabase.Command(
                            connection,
                            transaction,
                            "INSERT INTO device_rejections (device_id, sha256) VALUES (@id, @sha) ON CONFLICT DO NOTHING",
                            ("@id", deviceId),
                            ("@sha", sha));
                        await reject.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
                    }
                }

                await using (var upsert = OtaDatabase.Command(
                    connection,
                    transaction,
                    """
                    INSERT INTO devices (id, chip, project, version, state, state_version, state_sha256, state_seq, first_seen, last_seen)
                    VALUES (@id, @chip, @project, @running, @kind, @version, @sha, @seq, @now, @now)
                    ON CONFLICT (id) DO UPDATE SET
                        chip = COALESCE(@chip, devices.chip), project = COALESCE(@project, devices.project), version = COALESCE(@running, devices.version),
                        state = @kind, state_version = @version, state_sha256 = @sha, state_seq = @seq, reason = NULL, last_seen = @now
                    """,
                    ("@id", deviceId),
                    ("@chip", report.Chip),
                    ("@project", report.Project),
                    ("@running", report.RunningVersion),
                    ("@kind", kind),
                    ("@version", report.Version),
                    ("@sha", report.Sha256),
                    ("@seq", seq),
                    ("@now", now)))
                {
                    await upsert.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
                }

                // Without a cap one chatty (or hostile) device grows the file without end.
                await using var trim = OtaDatabase.Command(
                    connection,
                    transaction,
                    """
                    DELETE FROM device_events WHERE device_id = @id AND seq <= (
                        SELECT seq FROM device_events WHERE device_id = @id ORDER BY seq DESC LIMIT 1 OFFSET @max)
                    """,
                    ("@id", deviceId),
                    ("@max", maxEvents));
                await trim.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
                return counts;
            },
            cancellationToken);
    }

    public Task<bool> ExistsAsync(string deviceId, CancellationToken cancellationToken) =>
        database.ReadAsync(
            async connection =>
            {
                await using var command = OtaDatabase.Command(connection, null, "SELECT 1 FROM devices WHERE id = @id", ("@id", deviceId));
                return await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false) is not null;
            },
            cancellationToken);

    public Task SetTokenAsync(string deviceId, string tokenSha256, CancellationToken cancellationToken)
    {
        object now = database.Time(time.GetUtcNow());
        return database.WriteAsync(
            async (connection, transaction) =>
            {
                await using var upsert = OtaDatabase.Command(
                    connection,
                    transaction,
                    """
                    INSERT INTO device_tokens (device_id, token_sha256, issued_at) VALUES (@id, @hash, @now)
                    ON CONFLICT (device_id) DO UPDATE SET token_sha256 = @hash, issued_at = @now
                    """,
                    ("@id", deviceId),
                    ("@hash", tokenSha256),
                    ("@now", now));
                return await upsert.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
            },
            cancellationToken);
    }

    public Task<string?> GetTokenSha256Async(string deviceId, CancellationToken cancellationToken) =>
        database.ReadAsync(
            async connection =>
            {
                await using var command = OtaDatabase.Command(connection, null, "SELECT token_sha256 FROM device_tokens WHERE device_id = @id", ("@id", deviceId));
                return await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false) as string;
            },
            cancellationToken);

    public Task<IReadOnlyList<DeviceSummary>> ListAsync(string? afterId, int limit, CancellationToken cancellationToken) =>
        database.ReadAsync<IReadOnlyList<DeviceSummary>>(
            async connection =>
            {
                await using var command = OtaDatabase.Command(
                    connection,
                    null,
                    $"{Select} WHERE @after IS NULL OR d.id > @after ORDER BY d.id LIMIT @limit",
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
                await using (var command = OtaDatabase.Command(connection, null, $"{Select} WHERE d.id = @id", ("@id", deviceId)))
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
                    "SELECT sha256 FROM device_rejections WHERE device_id = @id",
                    ("@id", deviceId));
                await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
                var set = new HashSet<string>(StringComparer.Ordinal);
                while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
                {
                    set.Add(reader.GetString(0));
                }

                return set;
            },
            cancellationToken);

    private static string KindName(DeviceReportKind kind) => JsonSerializer.Serialize(kind, OtaJsonContext.Default.DeviceReportKind).Trim('"');

    private static DeviceReportKind ParseKind(string name) => JsonSerializer.Deserialize($"\"{name}\"", OtaJsonContext.Default.DeviceReportKind);

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
