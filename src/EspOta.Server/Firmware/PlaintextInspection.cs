using System.IO.Pipelines;

namespace EspOta.Server.Firmware;

/// <summary>
/// The forward-only check of an upload's plaintext, fed as the body arrives through a bounded in-memory pipe and
/// running beside the upload: the image check a device's <c>esp_image_verify</c> makes (<see cref="ImageInspection"/>),
/// with the Secure Boot signature sector read on the same pass when asked for. Nothing is read back from disk, which an
/// encrypted project's upload could not do at all (only its ciphertext is written).
/// </summary>
/// <remarks>Memory: at most <see cref="PipeLimit"/> unread bytes; the upload waits when the check falls behind.</remarks>
internal sealed class PlaintextInspection : IAsyncDisposable
{
    /// <summary>Unread bytes after which the upload waits for the check.</summary>
    public const int PipeLimit = 256 * 1024;

    private readonly Pipe _pipe = new(new PipeOptions(pauseWriterThreshold: PipeLimit, resumeWriterThreshold: PipeLimit / 2, useSynchronizationContext: false));
    private readonly Task<ImageFacts> _facts;
    private bool _done;

    /// <param name="limit">The largest image accepted.</param>
    /// <param name="readSignatures">Also read the signature sector (not for bytes that can be no project's image).</param>
    public PlaintextInspection(long limit, bool readSignatures)
    {
        var reader = _pipe.Reader;
        _facts = Task.Run(() =>
        {
            using var plain = reader.AsStream();
            return ImageInspection.Inspect(plain, limit, readSignatures);
        });
    }

    /// <summary>Hands the next plaintext bytes to the check while it still reads.</summary>
    public async ValueTask WriteAsync(ReadOnlyMemory<byte> data, CancellationToken cancellationToken)
    {
        // Once the check has decided (it stops after the signature sector or the image's end, or at the first
        // failure) the rest is not its business.
        if (!_done)
        {
            _done = (await _pipe.Writer.WriteAsync(data, cancellationToken).ConfigureAwait(false)).IsCompleted;
        }
    }

    /// <summary>After the last byte: the inspection (with <see cref="ImageFacts.Signatures"/> when asked for).</summary>
    public async Task<ImageFacts> CompleteAsync()
    {
        await _pipe.Writer.CompleteAsync().ConfigureAwait(false);
        return await _facts.ConfigureAwait(false);
    }

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        // The check must see the end of its input whatever happened, or its thread waits forever.
        await _pipe.Writer.CompleteAsync().ConfigureAwait(false);
        try
        {
            await _facts.ConfigureAwait(false);
        }
        catch (Exception e) when (e is IOException or InvalidOperationException)
        {
            // The upload already failed; that error is the one reported.
        }
    }
}
