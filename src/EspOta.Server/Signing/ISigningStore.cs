namespace EspOta.Server.Signing;

/// <summary>The signing policy's tables (migration <c>0200_signing</c>, docs/storage.md).</summary>
internal interface ISigningStore
{
    /// <summary>The project's keys, trusted and revoked, in the order they were added.</summary>
    Task<IReadOnlyList<SigningKey>> KeysAsync(string project, CancellationToken cancellationToken);

    /// <summary>Trusts a key for a project; adding it again keeps the row (and its revocation) and only updates a given label. Returns the row and whether it is new.</summary>
    Task<(SigningKey Key, bool Added)> AddKeyAsync(string project, string keyDigest, string? label, DateTimeOffset now, CancellationToken cancellationToken);

    /// <summary>Revokes a key of a project (the first revocation's time is kept); null when the project has no such key.</summary>
    Task<SigningKey?> RevokeKeyAsync(string project, string keyDigest, DateTimeOffset now, CancellationToken cancellationToken);

    /// <summary>Records the keys whose signature blocks verified over an image (idempotent).</summary>
    Task RecordSignersAsync(string sha256, IReadOnlyCollection<string> keyDigests, CancellationToken cancellationToken);

    /// <summary>The recorded signers of every image of a project and chip, by image SHA-256.</summary>
    Task<IReadOnlyDictionary<string, IReadOnlySet<string>>> SignersAsync(string project, string chip, CancellationToken cancellationToken);

    /// <summary>The recorded signers of one image.</summary>
    Task<IReadOnlySet<string>> SignersOfAsync(string sha256, CancellationToken cancellationToken);
}
