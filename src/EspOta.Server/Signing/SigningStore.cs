using System.Data.Common;
using EspOta.Server.Storage;

namespace EspOta.Server.Signing;

/// <summary>The <c>signing_keys</c> and <c>firmware_signers</c> tables (migration 0200_signing), SQL both providers accept.</summary>
internal sealed class SigningStore(OtaDatabase database) : ISigningStore
{
    private const string KeyColumns = "project, key_digest, label, added_at, revoked_at";

    public Task<IReadOnlyList<SigningKey>> KeysAsync(string project, CancellationToken cancellationToken) =>
        database.ReadAsync(connection => ReadKeysAsync(connection, null, project, cancellationToken), cancellationToken);

    public Task<(SigningKey Key, bool Added)> AddKeyAsync(string project, string keyDigest, string? label, DateTimeOffset now, CancellationToken cancellationToken) =>
        database.WriteAsync(
            async (connection, transaction) =>
            {
                await using var insert = OtaDatabase.Command(
                    connection,
                    transaction,
                    "INSERT INTO signing_keys (project, key_digest, label, added_at) VALUES (@project, @digest, @label, @at) ON CONFLICT (project, key_digest) DO NOTHING",
                    ("@project", project),
                    ("@digest", keyDigest),
                    ("@label", label),
                    ("@at", database.Time(now)));
                bool added = await insert.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false) == 1;
                if (!added && label is not null)
                {
                    await using var relabel = OtaDatabase.Command(
                        connection, transaction, "UPDATE signing_keys SET label = @label WHERE project = @project AND key_digest = @digest", ("@label", label), ("@project", project), ("@digest", keyDigest));
                    await relabel.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
                }

                var key = (await ReadKeysAsync(connection, transaction, project, cancellationToken).ConfigureAwait(false)).Single(k => k.KeyDigest == keyDigest);
                return (key, added);
            },
            cancellationToken);

    public Task<SigningKey?> RevokeKeyAsync(string project, string keyDigest, DateTimeOffset now, CancellationToken cancellationToken) =>
        database.WriteAsync<SigningKey?>(
            async (connection, transaction) =>
            {
                await using var update = OtaDatabase.Command(
                    connection,
                    transaction,
                    "UPDATE signing_keys SET revoked_at = COALESCE(revoked_at, @at) WHERE project = @project AND key_digest = @digest",
                    ("@at", database.Time(now)),
                    ("@project", project),
                    ("@digest", keyDigest));
                if (await update.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false) == 0)
                {
                    return null;
                }

                return (await ReadKeysAsync(connection, transaction, project, cancellationToken).ConfigureAwait(false)).Single(k => k.KeyDigest == keyDigest);
            },
            cancellationToken);

    public Task RecordSignersAsync(string sha256, IReadOnlyCollection<string> keyDigests, CancellationToken cancellationToken) =>
        keyDigests.Count == 0
            ? Task.CompletedTask
            : database.WriteAsync(
                async (connection, transaction) =>
                {
                    foreach (string digest in keyDigests)
                    {
                        await using var insert = OtaDatabase.Command(
                            connection,
                            transaction,
                            "INSERT INTO firmware_signers (sha256, key_digest) VALUES (@sha, @digest) ON CONFLICT (sha256, key_digest) DO NOTHING",
                            ("@sha", sha256),
                            ("@digest", digest));
                        await insert.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
                    }

                    return 0;
                },
                cancellationToken);

    public Task<IReadOnlyDictionary<string, IReadOnlySet<string>>> SignersAsync(string project, string chip, CancellationToken cancellationToken) =>
        database.ReadAsync<IReadOnlyDictionary<string, IReadOnlySet<string>>>(
            async connection =>
            {
                await using var command = OtaDatabase.Command(
                    connection,
                    null,
                    """
                    SELECT s.sha256, s.key_digest FROM firmware_signers s JOIN firmware f ON f.sha256 = s.sha256
                    WHERE f.project = @project AND f.chip = @chip
                    """,
                    ("@project", project),
                    ("@chip", chip));
                await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
                var signers = new Dictionary<string, HashSet<string>>(StringComparer.Ordinal);
                while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
                {
                    string sha = reader.GetString(0);
                    if (!signers.TryGetValue(sha, out var set))
                    {
                        signers[sha] = set = new HashSet<string>(StringComparer.Ordinal);
                    }

                    set.Add(reader.GetString(1));
                }

                return signers.ToDictionary(p => p.Key, p => (IReadOnlySet<string>)p.Value, StringComparer.Ordinal);
            },
            cancellationToken);

    public Task<IReadOnlySet<string>> SignersOfAsync(string sha256, CancellationToken cancellationToken) =>
        database.ReadAsync<IReadOnlySet<string>>(
            async connection =>
            {
                await using var command = OtaDatabase.Command(connection, null, "SELECT key_digest FROM firmware_signers WHERE sha256 = @sha", ("@sha", sha256));
                await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
                var set = new HashSet<string>(StringComparer.Ordinal);
                while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
                {
                    set.Add(reader.GetString(0));
                }

                return set;
            },
            cancellationToken);

    private async Task<IReadOnlyList<SigningKey>> ReadKeysAsync(DbConnection connection, DbTransaction? transaction, string project, CancellationToken cancellationToken)
    {
        await using var command = OtaDatabase.Command(
            connection, transaction, $"SELECT {KeyColumns} FROM signing_keys WHERE project = @project ORDER BY added_at, key_digest", ("@project", project));
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        var keys = new List<SigningKey>();
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            keys.Add(new SigningKey(
                reader.GetString(0),
                reader.GetString(1),
                OtaDatabase.NullableString(reader, 2),
                database.ReadTime(reader, 3),
                reader.IsDBNull(4) ? null : database.ReadTime(reader, 4)));
        }

        return keys;
    }
}
