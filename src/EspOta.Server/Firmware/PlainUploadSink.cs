using System.Security.Cryptography;

namespace EspOta.Server.Firmware;

/// <summary>A plain upload: the bytes go to the temp file as they arrive, hashed on the way; inspected from the file at the end.</summary>
internal sealed class PlainUploadSink(string tempPath, long limit) : IUploadSink
{
    private readonly FileStream _file = new(tempPath, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1 << 16, FileOptions.Asynchronous);
    private readonly IncrementalHash _hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
    private long _size;

    public async ValueTask WriteAsync(ReadOnlyMemory<byte> data, CancellationToken cancellationToken)
    {
        _hash.AppendData(data.Span);
        _size += data.Length;
        await _file.WriteAsync(data, cancellationToken).ConfigureAwait(false);
    }

    public async Task<StagedImage> CompleteAsync(CancellationToken cancellationToken)
    {
        await _file.DisposeAsync().ConfigureAwait(false);
        string sha256 = Convert.ToHexStringLower(_hash.GetHashAndReset());
        ImageFacts facts;
        await using (var file = new FileStream(tempPath, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16, FileOptions.SequentialScan))
        {
            facts = ImageInspection.Inspect(file, limit);
        }

        return new StagedImage(sha256, _size, facts, null);
    }

    public async ValueTask DisposeAsync()
    {
        await _file.DisposeAsync().ConfigureAwait(false);
        _hash.Dispose();
    }
}
