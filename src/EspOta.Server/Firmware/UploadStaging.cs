using EspOta.Server.Encryption;

namespace EspOta.Server.Firmware;

/// <summary>
/// One upload on its way into <c>tmp/</c>: the first <see cref="UploadEncryption.HeadSize"/> bytes
/// are held in memory until they say which project the image is for, then the sink that project
/// calls for (plain, or encrypted so that no plaintext reaches the disk) takes everything.
/// </summary>
internal sealed class UploadStaging(UploadEncryption encryption, string tempPath, long limit) : IAsyncDisposable
{
    private readonly byte[] _head = new byte[UploadEncryption.HeadSize];
    private int _headLength;
    private IUploadSink? _sink;

    public async ValueTask WriteAsync(ReadOnlyMemory<byte> data, CancellationToken cancellationToken)
    {
        if (_sink is null)
        {
            int take = Math.Min(_head.Length - _headLength, data.Length);
            data[..take].CopyTo(_head.AsMemory(_headLength));
            _headLength += take;
            data = data[take..];
            if (_headLength < _head.Length)
            {
                return;
            }

            await OpenAsync(cancellationToken).ConfigureAwait(false);
        }

        if (!data.IsEmpty)
        {
            await _sink!.WriteAsync(data, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>After the last byte (the body was not empty).</summary>
    public async Task<StagedImage> CompleteAsync(CancellationToken cancellationToken)
    {
        if (_sink is null)
        {
            await OpenAsync(cancellationToken).ConfigureAwait(false);
        }

        return await _sink!.CompleteAsync(cancellationToken).ConfigureAwait(false);
    }

    public ValueTask DisposeAsync() => _sink?.DisposeAsync() ?? ValueTask.CompletedTask;

    private async Task OpenAsync(CancellationToken cancellationToken)
    {
        _sink = await encryption.OpenAsync(_head.AsMemory(0, _headLength), tempPath, limit, cancellationToken).ConfigureAwait(false);
        await _sink.WriteAsync(_head.AsMemory(0, _headLength), cancellationToken).ConfigureAwait(false);
        Array.Clear(_head);
    }
}
