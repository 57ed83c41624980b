using System.Security.Cryptography;
using EspOta.Security;
using EspOta.Server.Firmware;

namespace EspOta.Server.Encryption;

/// <summary>
/// An upload to a project with an encryption key: the plaintext never touches the disk. Each piece
/// of the body is (1) hashed, (2) encrypted (<see cref="StreamingImageEncryptor"/>) and only the
/// ciphertext written to the temp file, and (3) handed to the <see cref="PlaintextInspection"/> (the
/// image check and the signature sector), which run beside the upload over the same bytes. At the end
/// the esp_encrypted_img header (plain length, tag) is written over the placeholder at the start of
/// the file and the file is hashed once more from disk, ciphertext only, for its content address.
/// </summary>
/// <remarks>
/// Memory per upload: the readers' pipes, one output buffer and the GCM state. With no key
/// (<see cref="Discarding"/>) nothing is written at all: used for uploads that cannot be an image of
/// any project (their refusal comes from the same inspection).
/// </remarks>
internal sealed class EncryptingUploadSink : IUploadSink
{
    private const int Piece = 64 * 1024;

    private readonly ProjectEncryptionKey? _key;
    private readonly StreamingImageEncryptor? _encryptor;
    private readonly FileStream? _file;
    private readonly IncrementalHash _plainHash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
    private readonly byte[] _output = new byte[StreamingImageEncryptor.MaxOutputLength(Piece)];
    private readonly PlaintextInspection _inspection;
    private long _plainSize;

    private EncryptingUploadSink(ProjectEncryptionKey? key, string? tempPath, long limit)
    {
        _key = key;
        _inspection = new PlaintextInspection(limit, readSignatures: key is not null);
        if (key is not null)
        {
            using var publicKey = ImageEncryptionKey.FromPem(key.PublicKeyPem, $"the encryption key of project '{key.Project}'");
            _encryptor = new StreamingImageEncryptor(publicKey);
            _file = new FileStream(tempPath!, FileMode.CreateNew, FileAccess.ReadWrite, FileShare.None, 1 << 16, FileOptions.Asynchronous);
            // Placeholder for the header, whose plain length and tag are known only at the end.
            _file.Write(new byte[EncryptedImageHeader.Size]);
        }
    }

    /// <summary>Encrypts the upload for <paramref name="key"/> into <paramref name="tempPath"/>.</summary>
    public static EncryptingUploadSink Encrypting(ProjectEncryptionKey key, string tempPath, long limit) => new(key, tempPath, limit);

    /// <summary>Verifies the upload and keeps nothing (for bytes that cannot be an acceptable image).</summary>
    public static EncryptingUploadSink Discarding(long limit) => new(null, null, limit);

    public async ValueTask WriteAsync(ReadOnlyMemory<byte> data, CancellationToken cancellationToken)
    {
        while (!data.IsEmpty)
        {
            var piece = data[..Math.Min(Piece, data.Length)];
            data = data[piece.Length..];
            _plainHash.AppendData(piece.Span);
            _plainSize += piece.Length;
            if (_encryptor is not null)
            {
                int n = _encryptor.Update(piece.Span, _output);
                await _file!.WriteAsync(_output.AsMemory(0, n), cancellationToken).ConfigureAwait(false);
            }

            await _inspection.WriteAsync(piece, cancellationToken).ConfigureAwait(false);
        }
    }

    public async Task<StagedImage> CompleteAsync(CancellationToken cancellationToken)
    {
        var facts = await _inspection.CompleteAsync().ConfigureAwait(false);
        if (_encryptor is null)
        {
            if (facts.IsAcceptable)
            {
                throw new InvalidOperationException("an upload without an app description passed inspection");
            }

            return new StagedImage(null, 0, facts, null);
        }

        var header = _encryptor.Final(_output, out int last);
        await _file!.WriteAsync(_output.AsMemory(0, last), cancellationToken).ConfigureAwait(false);
        long size = _file.Length;
        _file.Position = 0;
        await _file.WriteAsync(header.ToArray(), cancellationToken).ConfigureAwait(false);
        _file.Position = 0;
        string sha256 = Convert.ToHexStringLower(await SHA256.HashDataAsync(_file, cancellationToken).ConfigureAwait(false));
        await _file.DisposeAsync().ConfigureAwait(false);
        string imageSha256 = Convert.ToHexStringLower(_plainHash.GetHashAndReset());
        return new StagedImage(sha256, size, facts, new EncryptedFirmwareRecord(sha256, imageSha256, _plainSize, _key!.Scheme, _key.Fingerprint));
    }

    public async ValueTask DisposeAsync()
    {
        await _inspection.DisposeAsync().ConfigureAwait(false);
        _encryptor?.Dispose();
        if (_file is not null)
        {
            await _file.DisposeAsync().ConfigureAwait(false);
        }

        _plainHash.Dispose();
    }
}
