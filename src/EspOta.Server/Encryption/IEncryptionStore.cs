namespace EspOta.Server.Encryption;

/// <summary>Project encryption keys and the encrypted images (migration <c>0201_encryption</c>).</summary>
internal interface IEncryptionStore
{
    /// <summary>The project's key, or null when its uploads are stored plain.</summary>
    Task<ProjectEncryptionKey?> GetKeyAsync(string project, CancellationToken cancellationToken);

    /// <summary>Sets (or replaces) the project's key.</summary>
    Task SetKeyAsync(ProjectEncryptionKey key, CancellationToken cancellationToken);

    /// <summary>Removes the project's key; false when it had none.</summary>
    Task<bool> RemoveKeyAsync(string project, CancellationToken cancellationToken);

    /// <summary>Records that a stored image is encrypted (before its firmware row is written; an existing row for the same file is kept).</summary>
    Task AddImageAsync(EncryptedFirmwareRecord record, CancellationToken cancellationToken);

    /// <summary>Forgets an encrypted image's row (its upload was refused after all).</summary>
    Task RemoveImageAsync(string sha256, CancellationToken cancellationToken);

    /// <summary>The encryption facts of a stored image, or null when it is plain.</summary>
    Task<EncryptedFirmwareRecord?> GetImageAsync(string sha256, CancellationToken cancellationToken);
}
