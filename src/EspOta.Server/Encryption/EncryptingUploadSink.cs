using System.IO.Pipelines;
using System.Security.Cryptography;
using EspOta.Security;
using EspOta.Server.Firmware;

namespace EspOta.Server.Encryption;

/// <summary>
/// An upload to a project with an encryption key: the plaintext never touches the disk. Each piece
/// of the body is (1) hashed, (2) encrypted (<see cref="StreamingImageEncryptor"/>) and only the
/// ciphertext written to the temp file, and (3) handed through a bounded in-memory pipe to the
/// image verifier, which runs beside the upload over the same bytes (one pass, as
/// <c>ImageVerifier</c> reads forward only), and through a second one to the reader of its Secure Boot
/// signature sector (<see cref="Signing.SigningPolicy.ReadRegion"/>), so that a signing policy can judge an
/// image the server keeps only encrypted. At the end the esp_encrypted_img header (plain length,
/// tag) is written over the placeholder at the start of the file and the file is hashed once more
/// from disk, ciphertext only, for its content address.
/// </summary>
/// <remarks>
/// Memory per upload: the two pipes (at most <see cref="PipeLimit"/> unread bytes each; the upload waits
/// when a reader falls behind), one output buffer and the GCM state. With no key
/// (<see cref="Discarding"/>) nothing is written at all: used for uploads that cannot be an image of
/// any project (their refusal comes from the same verifier).
/// </remarks>
internal sealed class EncryptingUploadSink : IUploadSink
{
    /// <summary>Unread bytes after which the upload waits for the verifier.</summary>
    public const int PipeLimit = 256 * 1024;

    private const int Piece = 64 * 1024;

    private readonly ProjectEncryptionKey? _key;
    private readonly StreamingImageEncryptor? _encryptor;
    private readonly FileStream? _file;
    private readonly IncrementalHash _plainHash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
    private readonly byte[] _output = new byte[StreamingImageEncryptor.MaxOutputLength(Piece)];
    private readonly Pipe _pipe = new(new PipeOptions(pauseWriterThreshold: PipeLimit, resumeWriterThreshold: PipeLimit / 2, useSynchronizationContext: false));
    private readonly Pipe _signaturePipe = new(new PipeOptions(pauseWriterThreshold: PipeLimit, resumeWriterThreshold: PipeLimit / 2, useSynchronizationContext: false));
    private readonly Task<ImageFacts> _verifier;
    private readonly Task<SignedImageRegion?> _signatures;
    private bool _verifierDone;
    private bool _signaturesDone;
    private long _plainSize;

    private EncryptingUploadSink(ProjectEncryptionKey? key, string? tempPath, long limit)
    {
        _key = key;
        if (key is not null)
        {
            using var publicKey = ImageEncryptionKey.FromPem(key.PublicKeyPem, $"the encryption key of project '{key.Project}'");
            _encryptor = new StreamingImageEncryptor(publicKey);
            _file = new FileStream(tempPath!, FileMode.CreateNew, FileAccess.ReadWrite, FileShare.None, 1 << 16, FileOptions.Asynchronous);
            // Placeholder for the header, whose plain length and tag are known only at the end.
            _file.Write(new byte[EncryptedImageHeader.Size]);
        }

        var reader = _pipe.Reader;
        _verifier = Task.Run(() =>
        {
            using var plain = reader.AsStream();
            return ImageInspection.Inspect(plain, limit);
        });

        var signatureReader = _signaturePipe.Reader;
        _signatures = key is null
            ? Task.FromResult<SignedImageRegion?>(null)
            : Task.Run(() =>
            {
                using var plain = signatureReader.AsStream();
                return Signing.SigningPolicy.ReadRegion(plain, limit);
            });
        _signaturesDone = key is null;
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

            // Once the verifier has decided (it stops reading at the image's end, or at the first
            // failure) the rest is not its business.
            if (!_verifierDone)
            {
                var written = await _pipe.Writer.WriteAsync(piece, cancellationToken).ConfigureAwait(false);
                _verifierDone = written.IsCompleted;
            }

            if (!_signaturesDone)
            {
                var written = await _signaturePipe.Writer.WriteAsync(piece, cancellationToken).ConfigureAwait(false);
                _signaturesDone = written.IsCompleted;
            }
        }
    }

    public async Task<StagedImage> CompleteAsync(CancellationToken cancellationToken)
    {
        await _pipe.Writer.CompleteAsync().ConfigureAwait(false);
        await _signaturePipe.Writer.CompleteAsync().ConfigureAwait(false);
        var facts = await _verifier.ConfigureAwait(false);
        var signatures = await _signatures.ConfigureAwait(false);
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
        return new StagedImage(sha256, size, facts, new EncryptedFirmwareRecord(sha256, imageSha256, _plainSize, _key!.Scheme, _key.Fingerprint)) { PlainSignatures = signatures };
    }

    public async ValueTask DisposeAsync()
    {
        // The readers must see the end of their input whatever happened, or their threads wait forever.
        await _pipe.Writer.CompleteAsync().ConfigureAwait(false);
        await _signaturePipe.Writer.CompleteAsync().ConfigureAwait(false);
        try
        {
            await _verifier.ConfigureAwait(false);
            await _signatures.ConfigureAwait(false);
        }
        catch (Exception e) when (e is IOException or InvalidOperationException)
        {
            // The upload already failed; that error is the one reported.
        }

        _encryptor?.Dispose();
        if (_file is not null)
        {
            await _file.DisposeAsync().ConfigureAwait(false);
        }

        _plainHash.Dispose();
    }
}
