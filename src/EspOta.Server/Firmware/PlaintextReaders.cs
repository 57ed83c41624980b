using System.IO.Pipelines;
using EspOta.Security;
using EspOta.Server.Signing;

namespace EspOta.Server.Firmware;

/// <summary>
/// The forward-only readers of an upload's plaintext, fed as the body arrives through bounded in-memory pipes and
/// running beside the upload: the image check a device's <c>esp_image_verify</c> makes (<see cref="ImageInspection"/>)
/// and, when asked for, the Secure Boot signature sector (<see cref="SigningPolicy.ReadRegion"/>). Nothing is read
/// back from disk, which an encrypted project's upload could not do at all (only its ciphertext is written).
/// </summary>
/// <remarks>Memory: at most <see cref="PipeLimit"/> unread bytes per reader; the upload waits when a reader falls behind.</remarks>
internal sealed class PlaintextReaders : IAsyncDisposable
{
    /// <summary>Unread bytes after which the upload waits for a reader.</summary>
    public const int PipeLimit = 256 * 1024;

    private readonly Pipe _inspection = NewPipe();
    private readonly Pipe _signatures = NewPipe();
    private readonly Task<ImageFacts> _facts;
    private readonly Task<SignedImageRegion?> _region;
    private bool _inspectionDone;
    private bool _signaturesDone;

    /// <param name="limit">The largest image accepted.</param>
    /// <param name="readSignatures">Also read the signature sector (not for bytes that can be no project's image).</param>
    public PlaintextReaders(long limit, bool readSignatures)
    {
        var inspection = _inspection.Reader;
        _facts = Task.Run(() =>
        {
            using var plain = inspection.AsStream();
            return ImageInspection.Inspect(plain, limit);
        });

        var signatures = _signatures.Reader;
        _signaturesDone = !readSignatures;
        _region = readSignatures
            ? Task.Run(() =>
            {
                using var plain = signatures.AsStream();
                return SigningPolicy.ReadRegion(plain, limit);
            })
            : Task.FromResult<SignedImageRegion?>(null);
    }

    /// <summary>Hands the next plaintext bytes to the readers still reading.</summary>
    public async ValueTask WriteAsync(ReadOnlyMemory<byte> data, CancellationToken cancellationToken)
    {
        // A reader that has decided (it stops at the image's end, or at the first failure) is not fed the rest.
        if (!_inspectionDone)
        {
            _inspectionDone = (await _inspection.Writer.WriteAsync(data, cancellationToken).ConfigureAwait(false)).IsCompleted;
        }

        if (!_signaturesDone)
        {
            _signaturesDone = (await _signatures.Writer.WriteAsync(data, cancellationToken).ConfigureAwait(false)).IsCompleted;
        }
    }

    /// <summary>After the last byte: the inspection, and the signature sector with its signed-data digest (null when there is none or it was not asked for).</summary>
    public async Task<(ImageFacts Facts, SignedImageRegion? Signatures)> CompleteAsync()
    {
        await _inspection.Writer.CompleteAsync().ConfigureAwait(false);
        await _signatures.Writer.CompleteAsync().ConfigureAwait(false);
        return (await _facts.ConfigureAwait(false), await _region.ConfigureAwait(false));
    }

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        // The readers must see the end of their input whatever happened, or their threads wait forever.
        await _inspection.Writer.CompleteAsync().ConfigureAwait(false);
        await _signatures.Writer.CompleteAsync().ConfigureAwait(false);
        try
        {
            await _facts.ConfigureAwait(false);
            await _region.ConfigureAwait(false);
        }
        catch (Exception e) when (e is IOException or InvalidOperationException)
        {
            // The upload already failed; that error is the one reported.
        }
    }

    private static Pipe NewPipe() => new(new PipeOptions(pauseWriterThreshold: PipeLimit, resumeWriterThreshold: PipeLimit / 2, useSynchronizationContext: false));
}
