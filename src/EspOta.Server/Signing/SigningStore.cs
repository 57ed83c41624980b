using System.Globalization;
using EspOta.Server.Storage;

namespace EspOta.Server.Signing;

/// <summary>
/// The signing policy's own tables: <c>signing_keys</c> (trusted key digests per project, revocation) and
/// <c>firmware_signers</c> (which trusted keys verified each uploaded image).
/// </summary>
internal sealed class SigningStore
{
    private const string Schema = """
        CREATE TABLE IF NOT EXISTS signing_keys (
            project TEXT NOT NULL,
            key_digest TEXT NOT NULL,
            label TEXT,
            revoked INTEGER NOT NULL DEFAULT 0,
            added_at TEXT NOT NULL,
            PRIMARY KEY (project, key_digest)
        );
        CREATE TABLE IF NOT EXISTS firmware_signers (
            sha256 TEXT NOT NULL,
            key_digest TEXT NOT NULL,
            PRIMARY KEY (sha256, key_digest)
        );
        """;

    private readonly OtaDatabase _database;
    private readonly TimeProvider _time;

    public SigningStore(OtaDatabase database, TimeProvider time)
    {
        _database = database;
        _time = time;
        using var connection = database.Open();
        using var create = OtaDatabase.Command(connection, Schema);
        create.ExecuteNonQuery();
    }

    public IReadOnlyList<SigningKeyInfo> Keys(string project)
    {
        using var connection = _database.Open();
        using var query = OtaDatabase.Command(connection,
            "SELECT project, key_digest, label, revoked, added_at FROM signing_keys WHERE project = $p ORDER BY added_at, key_digest", null, ("$p", project));
        using var reader = query.ExecuteReader();
        var keys = new List<SigningKeyInfo>();
        while (reader.Read())
        {
            keys.Add(new SigningKeyInfo(reader.GetString(0), reader.GetString(1), reader.IsDBNull(2) ? null : reader.GetString(2), reader.GetInt64(3) != 0,
                DateTimeOffset.Parse(reader.GetString(4), CultureInfo.InvariantCulture)));
        }

        return keys;
    }

    public Task<SigningKeyInfo> AddAsync(string project, string digest, string? label, CancellationToken cancellationToken) =>
        _database.WriteAsync((connection, transaction) =>
        {
            using var insert = OtaDatabase.Command(connection,
                "INSERT INTO signing_keys (project, key_digest, label, added_at) VALUES ($p, $d, $l, $t) ON CONFLICT (project, key_digest) DO UPDATE SET label = COALESCE($l, label)",
                transaction, ("$p", project), ("$d", digest), ("$l", label), ("$t", _time.GetUtcNow().ToString("O", CultureInfo.InvariantCulture)));
            insert.ExecuteNonQuery();
            return 0;
        }, cancellationToken).ContinueWith(_ => Keys(project).Single(k => k.KeyDigest == digest), cancellationToken, TaskContinuationOptions.OnlyOnRanToCompletion, TaskScheduler.Default);

    public Task<bool> RevokeAsync(string project, string digest, CancellationToken cancellationToken) =>
        _database.WriteAsync((connection, transaction) =>
        {
            using var update = OtaDatabase.Command(connection, "UPDATE signing_keys SET revoked = 1 WHERE project = $p AND key_digest = $d", transaction, ("$p", project), ("$d", digest));
            return update.ExecuteNonQuery() > 0;
        }, cancellationToken);

    public Task RecordSignersAsync(string sha256, IReadOnlyList<string> digests, CancellationToken cancellationToken) =>
        _database.WriteAsync((connection, transaction) =>
        {
            foreach (var digest in digests)
            {
                using var insert = OtaDatabase.Command(connection, "INSERT OR IGNORE INTO firmware_signers (sha256, key_digest) VALUES ($s, $d)", transaction, ("$s", sha256), ("$d", digest));
                insert.ExecuteNonQuery();
            }

            return 0;
        }, cancellationToken);

    public IReadOnlyList<string> SignersOf(string sha256)
    {
        using var connection = _database.Open();
        using var query = OtaDatabase.Command(connection, "SELECT key_digest FROM firmware_signers WHERE sha256 = $s ORDER BY key_digest", null, ("$s", sha256));
        using var reader = query.ExecuteReader();
        var list = new List<string>();
        while (reader.Read())
        {
            list.Add(reader.GetString(0));
        }

        return list;
    }
}
