using EspOta.Server.Storage;

namespace EspOta.Server.Encryption;

/// <summary><see cref="IEncryptionStore"/> over <see cref="OtaDatabase"/> (SQL both providers accept).</summary>
internal sealed class EncryptionStore(OtaDatabase database) : IEncryptionStore
{
    public Task<ProjectEncryptionKey?> GetKeyAsync(string project, CancellationToken cancellationToken) =>
        database.ReadAsync(
            async connection =>
            {
                await using var command = OtaDatabase.Command(
                    connection, null, "SELECT project, scheme, public_key_pem, fingerprint, set_at FROM project_encryption_keys WHERE project = @project", ("@project", project));
                await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
                return await reader.ReadAsync(cancellationToken).ConfigureAwait(false)
                    ? new ProjectEncryptionKey(reader.GetString(0), reader.GetString(1), reader.GetString(2), reader.GetString(3), database.ReadTime(reader, 4))
                    : null;
            },
            cancellationToken);

    public Task SetKeyAsync(ProjectEncryptionKey key, CancellationToken cancellationToken) =>
        database.WriteAsync(
            async (connection, transaction) =>
            {
                await using var command = OtaDatabase.Command(
                    connection,
                    transaction,
                    """
                    INSERT INTO project_encryption_keys (project, scheme, public_key_pem, fingerprint, set_at)
                    VALUES (@project, @scheme, @pem, @fingerprint, @at)
                    ON CONFLICT (project) DO UPDATE SET scheme = excluded.scheme, public_key_pem = excluded.public_key_pem,
                        fingerprint = excluded.fingerprint, set_at = excluded.set_at
                    """,
                    ("@project", key.Project),
                    ("@scheme", key.Scheme),
                    ("@pem", key.PublicKeyPem),
                    ("@fingerprint", key.Fingerprint),
                    ("@at", database.Time(key.SetAt)));
                return await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
            },
            cancellationToken);

    public Task<bool> RemoveKeyAsync(string project, CancellationToken cancellationToken) =>
        database.WriteAsync(
            async (connection, transaction) =>
            {
                await using var command = OtaDatabase.Command(connection, transaction, "DELETE FROM project_encryption_keys WHERE project = @project", ("@project", project));
                return await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false) > 0;
            },
            cancellationToken);

    public Task AddImageAsync(EncryptedFirmwareRecord record, CancellationToken cancellationToken) =>
        database.WriteAsync(
            async (connection, transaction) =>
            {
                await using var command = OtaDatabase.Command(
                    connection,
                    transaction,
                    """
                    INSERT INTO encrypted_firmware (sha256, image_sha256, image_size, scheme, key_fingerprint)
                    VALUES (@sha, @image, @size, @scheme, @fingerprint)
                    ON CONFLICT (sha256) DO NOTHING
                    """,
                    ("@sha", record.Sha256),
                    ("@image", record.ImageSha256),
                    ("@size", record.ImageSize),
                    ("@scheme", record.Scheme),
                    ("@fingerprint", record.KeyFingerprint));
                return await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
            },
            cancellationToken);

    public Task RemoveImageAsync(string sha256, CancellationToken cancellationToken) =>
        database.WriteAsync(
            async (connection, transaction) =>
            {
                await using var command = OtaDatabase.Command(connection, transaction, "DELETE FROM encrypted_firmware WHERE sha256 = @sha", ("@sha", sha256));
                return await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
            },
            cancellationToken);

    public Task<EncryptedFirmwareRecord?> GetImageAsync(string sha256, CancellationToken cancellationToken) =>
        database.ReadAsync(
            async connection =>
            {
                await using var command = OtaDatabase.Command(
                    connection, null, "SELECT sha256, image_sha256, image_size, scheme, key_fingerprint FROM encrypted_firmware WHERE sha256 = @sha", ("@sha", sha256));
                await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
                return await reader.ReadAsync(cancellationToken).ConfigureAwait(false)
                    ? new EncryptedFirmwareRecord(reader.GetString(0), reader.GetString(1), reader.GetInt64(2), reader.GetString(3), reader.GetString(4))
                    : null;
            },
            cancellationToken);
}
