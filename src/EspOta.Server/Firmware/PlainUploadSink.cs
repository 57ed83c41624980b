using System.Security.Cryptography;

namespace EspOta.Server.Firmware;

/// <summary>
/// A plain upload: the bytes go to the temp file as they arrive, hashed on the way, and through the
/// <see cref="PlaintextInspection"/> (image check and signature sector) beside it: one pass, nothing read back.
/// </summary>
internal sealed class PlainUploadSink(string tempPath, long limit) : IUploadSink
{
    private readonly FileStream _file = new(tempPath, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1 << 16, FileOptions.Asynchronous);
    private readonly IncrementalHash _hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
    private readonly PlaintextInspection _inspection = new(limit, readSignatures: true);
    private long _size;

    public async ValueTask WriteAsync(ReadOnlyMemory<byte> data, CancellationToken cancellationToken)
    {
        _hash.AppendData(data.Span);
        _size += data.Length;
        await _file.WriteAsync(data, cancellationToken).ConfigureAwait(false);
        await _inspection.WriteAsync(data, cancellationToken).ConfigureAwait(false);
    }

    public async Task<StagedImage> CompleteAsync(CancellationToken cancellationToken)
    {
        await _file.DisposeAsync().ConfigureAwait(false);
        string sha256 = Convert.ToHexStringLower(_hash.GetHashAndReset());
        var facts = await _inspection.CompleteAsync().ConfigureAwait(false);
        return new StagedImage(sha256, _size, facts, null);
    }

    public async ValueTask DisposeAsync()
    {
        await _inspection.DisposeAsync().ConfigureAwait(false);
        await _file.DisposeAsync().ConfigureAwait(false);
        _hash.Dispose();
    }
}
