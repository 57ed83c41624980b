using System.Data.Common;
using System.Text.Json;
using EspOta.Server.Storage;

namespace EspOta.Server.Rollouts;

/// <summary>The <c>rollouts</c>, <c>rollout_members</c>, <c>rollout_events</c> and <c>device_labels</c> tables (migration 0100_rollout).</summary>
internal sealed class RolloutStore(OtaDatabase database, TimeProvider time) : IRolloutStore
{
    private const string Columns = "id, name, sha256, project, chip, version, secure_version, target, stages, gate, created_at, state, current_stage, stage_started_at, halt_reason, failures_acknowledged_at";
    private const string LockName = "rollouts";

    private static readonly RolloutStoreJsonContext Json = RolloutStoreJsonContext.Default;

    public Task<IReadOnlyList<Rollout>> ListAsync(CancellationToken cancellationToken) =>
        database.ReadAsync(c => LoadAsync(c, null, null, includeCancelled: true, cancellationToken), cancellationToken);

    public async Task<Rollout?> GetAsync(string id, CancellationToken cancellationToken) =>
        (await database.ReadAsync(c => LoadAsync(c, null, id, includeCancelled: true, cancellationToken), cancellationToken).ConfigureAwait(false)).SingleOrDefault();

    public Task<bool> AddAsync(Rollout rollout, CancellationToken cancellationToken) =>
        database.WriteAsync(
            async (connection, transaction) =>
            {
                await database.LockAsync(connection, transaction, LockName, cancellationToken).ConfigureAwait(false);
                await using (var insert = OtaDatabase.Command(
                    connection,
                    transaction,
                    $"""
                    INSERT INTO rollouts ({Columns})
                    VALUES (@id, @name, @sha, @project, @chip, @version, @sv, @target, @stages, @gate, @created, @state, @stage, @started, @halt, {NullableTime("@ack")})
                    ON CONFLICT (id) DO NOTHING
                    """,
                    ("@id", rollout.Id),
                    ("@name", rollout.Name),
                    ("@sha", rollout.Firmware.Sha256),
                    ("@project", rollout.Firmware.Project),
                    ("@chip", rollout.Firmware.Chip),
                    ("@version", rollout.Firmware.Version),
                    ("@sv", (long)rollout.Firmware.SecureVersion),
                    ("@target", JsonSerializer.Serialize(rollout.Target, Json.RolloutTarget)),
                    ("@stages", JsonSerializer.Serialize(rollout.Stages, Json.IReadOnlyListRolloutStage)),
                    ("@gate", JsonSerializer.Serialize(rollout.Gate, Json.RolloutGate)),
                    ("@created", database.Time(rollout.CreatedAt)),
                    ("@state", Name(rollout.State)),
                    ("@stage", (long)rollout.CurrentStage),
                    ("@started", database.Time(rollout.StageStartedAt)),
                    ("@halt", rollout.HaltReason),
                    ("@ack", rollout.FailuresAcknowledgedAt is { } ack ? database.Time(ack) : null)))
                {
                    if (await insert.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false) == 0)
                    {
                        return false;
                    }
                }

                await SaveChangesAsync(connection, transaction, rollout, cancellationToken).ConfigureAwait(false);
                return true;
            },
            cancellationToken);

    public Task<T> UpdateAsync<T>(Func<IReadOnlyList<Rollout>, T> change, CancellationToken cancellationToken) =>
        database.WriteAsync(
            async (connection, transaction) =>
            {
                // One lock for all rollouts: a report may move several of them, and two servers must
                // not both advance (or halt) the same stage.
                await database.LockAsync(connection, transaction, LockName, cancellationToken).ConfigureAwait(false);
                var rollouts = await LoadAsync(connection, transaction, null, includeCancelled: true, cancellationToken).ConfigureAwait(false);
                return await ChangeAsync(connection, transaction, rollouts, change, cancellationToken).ConfigureAwait(false);
            },
            cancellationToken);

    public Task<T> UpdateAsync<T>(Func<CancellationToken, Task<IReadOnlyList<Rollout>>> load, Func<IReadOnlyList<Rollout>, T> change, CancellationToken cancellationToken) =>
        database.WriteAsync(
            async (connection, transaction) =>
            {
                // The lock first: every writer of rollouts and members holds it, so what load reads
                // (on its own connections) is all that was committed, and stays so until this commits.
                await database.LockAsync(connection, transaction, LockName, cancellationToken).ConfigureAwait(false);
                var rollouts = await load(cancellationToken).ConfigureAwait(false);
                return await ChangeAsync(connection, transaction, rollouts, change, cancellationToken).ConfigureAwait(false);
            },
            cancellationToken);

    public Task<bool> AdmitAsync(string rolloutId, RolloutMember member, CancellationToken cancellationToken) =>
        database.WriteAsync(
            async (connection, transaction) =>
            {
                await database.LockAsync(connection, transaction, LockName, cancellationToken).ConfigureAwait(false);
                await using var insert = MemberCommand(connection, transaction, rolloutId, member, "DO NOTHING");
                return await insert.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false) > 0;
            },
            cancellationToken);

    public Task<IReadOnlyList<Rollout>> HeadersAsync(CancellationToken cancellationToken) =>
        database.ReadAsync<IReadOnlyList<Rollout>>(
            async connection =>
            {
                await using var command = OtaDatabase.Command(connection, null, $"SELECT {Columns} FROM rollouts ORDER BY created_at, id");
                await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
                var rollouts = new List<Rollout>();
                while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
                {
                    rollouts.Add(ReadRollout(reader, [], []));
                }

                return rollouts;
            },
            cancellationToken);

    public Task<IReadOnlyList<(string RolloutId, RolloutMember Member)>> MembersChangedAfterAsync(long afterVersion, CancellationToken cancellationToken) =>
        database.ReadAsync<IReadOnlyList<(string RolloutId, RolloutMember Member)>>(
            async connection =>
            {
                await using var command = OtaDatabase.Command(
                    connection,
                    null,
                    "SELECT rollout_id, device_id, stage, status, from_version, reason, updated_at FROM rollout_members WHERE member_seq > @after",
                    ("@after", afterVersion));
                await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
                var members = new List<(string, RolloutMember)>();
                while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
                {
                    members.Add((reader.GetString(0), ReadMember(reader, 1)));
                }

                return members;
            },
            cancellationToken);

    public Task<IReadOnlyDictionary<string, DeviceLabels>> LabelsAsync(CancellationToken cancellationToken) =>
        database.ReadAsync<IReadOnlyDictionary<string, DeviceLabels>>(
            async connection =>
            {
                await using var command = OtaDatabase.Command(connection, null, "SELECT device_id, group_name, tags, pinned_version FROM device_labels");
                await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
                var labels = new Dictionary<string, DeviceLabels>(StringComparer.Ordinal);
                while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
                {
                    labels[reader.GetString(0)] = new DeviceLabels(
                        OtaDatabase.NullableString(reader, 1),
                        JsonSerializer.Deserialize(reader.GetString(2), Json.StringArray) ?? [],
                        OtaDatabase.NullableString(reader, 3));
                }

                return labels;
            },
            cancellationToken);

    public Task<FleetVersion> FleetVersionAsync(CancellationToken cancellationToken) =>
        database.ReadAsync(
            async connection =>
            {
                await using var command = OtaDatabase.Command(connection, null, """
                    SELECT f.version, f.labels_version, r.rollouts_version, r.members_version
                    FROM fleet_version f CROSS JOIN rollout_version r WHERE f.id = 1 AND r.id = 1
                    """);
                await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
                return await reader.ReadAsync(cancellationToken).ConfigureAwait(false)
                    ? new FleetVersion(reader.GetInt64(0), reader.GetInt64(1), reader.GetInt64(2), reader.GetInt64(3))
                    : default;
            },
            cancellationToken);

    public Task<IReadOnlyList<DeviceFacts>> DevicesPlacedAfterAsync(long afterVersion, CancellationToken cancellationToken) =>
        database.ReadAsync<IReadOnlyList<DeviceFacts>>(
            async connection =>
            {
                await using var command = OtaDatabase.Command(connection, null, "SELECT id, project, chip FROM devices WHERE placement_seq > @after", ("@after", afterVersion));
                await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
                var devices = new List<DeviceFacts>();
                while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
                {
                    devices.Add(new DeviceFacts(reader.GetString(0), OtaDatabase.NullableString(reader, 1), OtaDatabase.NullableString(reader, 2), null, 0, null, []));
                }

                return devices;
            },
            cancellationToken);

    public Task SetLabelsAsync(string deviceId, DeviceLabels labels, CancellationToken cancellationToken) =>
        database.WriteAsync(
            async (connection, transaction) =>
            {
                await using var upsert = OtaDatabase.Command(
                    connection,
                    transaction,
                    """
                    INSERT INTO device_labels (device_id, group_name, tags, pinned_version, updated_at) VALUES (@id, @group, @tags, @pin, @now)
                    ON CONFLICT (device_id) DO UPDATE SET group_name = @group, tags = @tags, pinned_version = @pin, updated_at = @now
                    """,
                    ("@id", deviceId),
                    ("@group", labels.Group),
                    ("@tags", JsonSerializer.Serialize(labels.Tags ?? [], Json.IReadOnlyListString)),
                    ("@pin", labels.PinnedVersion),
                    ("@now", database.Time(time.GetUtcNow())));
                return await upsert.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
            },
            cancellationToken);

    /// <summary>A nullable time parameter: OtaDatabase sends NULL as text, which PostgreSQL will not put in a timestamptz column uncast.</summary>
    private string NullableTime(string parameter) => database.Provider == StorageProvider.PostgreSql ? $"CAST({parameter} AS timestamptz)" : parameter;

    /// <summary>Inserts one member row; <paramref name="onConflict"/> says what a row already there gets.</summary>
    private DbCommand MemberCommand(DbConnection connection, DbTransaction transaction, string rolloutId, RolloutMember member, string onConflict) =>
        OtaDatabase.Command(
            connection,
            transaction,
            $"""
            INSERT INTO rollout_members (rollout_id, device_id, stage, status, from_version, reason, updated_at)
            VALUES (@rollout, @device, @stage, @status, @from, @reason, @at)
            ON CONFLICT (rollout_id, device_id) {onConflict}
            """,
            ("@rollout", rolloutId),
            ("@device", member.DeviceId),
            ("@stage", (long)member.Stage),
            ("@status", Name(member.Status)),
            ("@from", member.FromVersion),
            ("@reason", member.Reason),
            ("@at", database.Time(member.UpdatedAt)));

    private static (RolloutState, int, DateTimeOffset, string?, DateTimeOffset?) Snapshot(Rollout r) =>
        (r.State, r.CurrentStage, r.StageStartedAt, r.HaltReason, r.FailuresAcknowledgedAt);

    private async Task SaveChangesAsync(DbConnection connection, DbTransaction transaction, Rollout rollout, CancellationToken cancellationToken)
    {
        var (members, events) = rollout.TakeChanges();
        foreach (var member in members)
        {
            await using var upsert = MemberCommand(connection, transaction, rollout.Id, member, "DO UPDATE SET status = @status, reason = @reason, updated_at = @at");
            await upsert.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }

        foreach (var e in events)
        {
            await using var insert = OtaDatabase.Command(
                connection,
                transaction,
                "INSERT INTO rollout_events (rollout_id, at, kind, detail) VALUES (@rollout, @at, @kind, @detail)",
                ("@rollout", rollout.Id),
                ("@at", database.Time(e.At)),
                ("@kind", e.Kind),
                ("@detail", e.Detail));
            await insert.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }
    }

    private async Task<IReadOnlyList<Rollout>> LoadAsync(DbConnection connection, DbTransaction? transaction, string? id, bool includeCancelled, CancellationToken cancellationToken)
    {
        var filter = (id is null ? "1 = 1" : "id = @id") + (includeCancelled ? "" : " AND state <> 'cancelled'");
        var members = new Dictionary<string, List<RolloutMember>>(StringComparer.Ordinal);
        await using (var command = OtaDatabase.Command(
            connection,
            transaction,
            $"SELECT rollout_id, device_id, stage, status, from_version, reason, updated_at FROM rollout_members WHERE rollout_id IN (SELECT id FROM rollouts WHERE {filter})",
            ("@id", id)))
        await using (var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false))
        {
            while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
            {
                var rollout = reader.GetString(0);
                if (!members.TryGetValue(rollout, out var list))
                {
                    members[rollout] = list = [];
                }

                list.Add(ReadMember(reader, 1));
            }
        }

        var events = new Dictionary<string, List<RolloutEvent>>(StringComparer.Ordinal);
        await using (var command = OtaDatabase.Command(
            connection,
            transaction,
            $"SELECT rollout_id, at, kind, detail FROM rollout_events WHERE rollout_id IN (SELECT id FROM rollouts WHERE {filter}) ORDER BY seq",
            ("@id", id)))
        await using (var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false))
        {
            while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
            {
                var rollout = reader.GetString(0);
                if (!events.TryGetValue(rollout, out var list))
                {
                    events[rollout] = list = [];
                }

                list.Add(new RolloutEvent(database.ReadTime(reader, 1), reader.GetString(2), reader.GetString(3)));
            }
        }

        var rollouts = new List<Rollout>();
        await using (var command = OtaDatabase.Command(connection, transaction, $"SELECT {Columns} FROM rollouts WHERE {filter} ORDER BY created_at, id", ("@id", id)))
        await using (var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false))
        {
            while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
            {
                string rolloutId = reader.GetString(0);
                rollouts.Add(ReadRollout(reader, members.GetValueOrDefault(rolloutId) ?? [], events.GetValueOrDefault(rolloutId) ?? []));
            }
        }

        return rollouts;
    }

    private async Task<T> ChangeAsync<T>(DbConnection connection, DbTransaction transaction, IReadOnlyList<Rollout> rollouts, Func<IReadOnlyList<Rollout>, T> change, CancellationToken cancellationToken)
    {
        var before = rollouts.ToDictionary(r => r.Id, Snapshot);
        var result = change(rollouts);
        foreach (var rollout in rollouts)
        {
            if (Snapshot(rollout) != before[rollout.Id])
            {
                await using var update = OtaDatabase.Command(
                    connection,
                    transaction,
                    $"UPDATE rollouts SET state = @state, current_stage = @stage, stage_started_at = @started, halt_reason = @halt, failures_acknowledged_at = {NullableTime("@ack")} WHERE id = @id",
                    ("@id", rollout.Id),
                    ("@state", Name(rollout.State)),
                    ("@stage", (long)rollout.CurrentStage),
                    ("@started", database.Time(rollout.StageStartedAt)),
                    ("@halt", rollout.HaltReason),
                    ("@ack", rollout.FailuresAcknowledgedAt is { } ack ? database.Time(ack) : null));
                await update.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
            }

            await SaveChangesAsync(connection, transaction, rollout, cancellationToken).ConfigureAwait(false);
        }

        return result;
    }

    /// <summary>A row of <c>rollouts</c> read with <see cref="Columns"/>.</summary>
    private Rollout ReadRollout(DbDataReader reader, IEnumerable<RolloutMember> members, IEnumerable<RolloutEvent> events) => new(
        reader.GetString(0),
        reader.GetString(1),
        new RolloutFirmware(reader.GetString(2), reader.GetString(3), reader.GetString(4), reader.GetString(5), checked((uint)reader.GetInt64(6))),
        JsonSerializer.Deserialize(reader.GetString(7), Json.RolloutTarget)!,
        JsonSerializer.Deserialize(reader.GetString(8), Json.RolloutStageArray)!,
        JsonSerializer.Deserialize(reader.GetString(9), Json.RolloutGate)!,
        database.ReadTime(reader, 10),
        Parse<RolloutState>(reader.GetString(11)),
        checked((int)reader.GetInt64(12)),
        database.ReadTime(reader, 13),
        OtaDatabase.NullableString(reader, 14),
        reader.IsDBNull(15) ? null : database.ReadTime(reader, 15),
        members,
        events);

    /// <summary>A member row from column <paramref name="first"/> on: device_id, stage, status, from_version, reason, updated_at.</summary>
    private RolloutMember ReadMember(DbDataReader reader, int first) => new(
        reader.GetString(first),
        checked((int)reader.GetInt64(first + 1)),
        Parse<RolloutMemberStatus>(reader.GetString(first + 2)),
        OtaDatabase.NullableString(reader, first + 3),
        OtaDatabase.NullableString(reader, first + 4),
        database.ReadTime(reader, first + 5));

    private static string Name<T>(T value) where T : struct, Enum => WireNames.Of(value);

    private static T Parse<T>(string name) where T : struct, Enum => WireNames.Parse<T>(name);
}
