using EspOta.Security;

namespace EspOta.Http;

/// <summary>
/// The decrypting stage of the download path (what <c>esp_https_ota</c>'s <c>decrypt_cb</c> does with
/// <c>esp_encrypted_img</c>): encrypted bytes in, plaintext out to the next stage. The first
/// <c>precheckBytes</c> of plaintext are held (bounded) and handed to the pre-check (chip, project,
/// version, secure_version) before anything goes on, so a wrong image is refused before the caller
/// erases or writes. The GCM tag is checked by <see cref="Complete"/>; until then the plaintext
/// written is provisional and must not be booted (<c>esp_ota_end</c> only after it).
/// </summary>
/// <remarks>
/// Resuming (<see cref="Resume"/>): ESP-IDF refuses <c>ota_resumption</c> with <c>decrypt_cb</c>
/// because the GCM state is lost. Here it is rebuilt from the checkpoint's header and the plaintext
/// already on flash (see <see cref="EncryptedImageDecryptor"/>): the flash prefix is encrypted again,
/// fed through the decryption, and the download continues at <see cref="EncryptedDownloadCheckpoint.CiphertextOffset"/>.
/// The final tag then covers the flash prefix too.
/// </remarks>
public sealed class DecryptingPayloadStage
{
    private readonly EncryptedImageDecryptor _decryptor;
    private readonly Action<ReadOnlySpan<byte>> _next;
    private readonly Action<ReadOnlySpan<byte>>? _precheck;
    private readonly byte[] _held;
    private int _heldLength;
    private bool _prechecked;
    private readonly byte[] _buffer = new byte[EncryptedImageDecryptor.MaxOutputLength(16 * 1024)];

    /// <summary>Starts a stage at the beginning of the encrypted file.</summary>
    /// <param name="key">The device key.</param>
    /// <param name="next">Where plaintext goes (e.g. <c>OtaUpdate.Write</c>).</param>
    /// <param name="precheck">Called once with the first <paramref name="precheckBytes"/> plaintext bytes (fewer if the image is shorter), before <paramref name="next"/> gets any; throws to refuse.</param>
    /// <param name="precheckBytes">How much plaintext the pre-check needs (<c>IMAGE_HEADER_SIZE</c>-like).</param>
    public DecryptingPayloadStage(ImageDecryptionKey key, Action<ReadOnlySpan<byte>> next, Action<ReadOnlySpan<byte>>? precheck = null, int precheckBytes = HttpOtaClientOptions.HeaderSize)
        : this(new EncryptedImageDecryptor(key), next, precheck, precheckBytes)
    {
    }

    private DecryptingPayloadStage(EncryptedImageDecryptor decryptor, Action<ReadOnlySpan<byte>> next, Action<ReadOnlySpan<byte>>? precheck, int precheckBytes)
    {
        ArgumentNullException.ThrowIfNull(next);
        ArgumentOutOfRangeException.ThrowIfNegative(precheckBytes);
        _decryptor = decryptor;
        _next = next;
        _precheck = precheck;
        _held = new byte[precheck is null ? 0 : precheckBytes];
        _prechecked = precheck is null;
    }

    /// <summary>
    /// Continues from a checkpoint: <paramref name="writtenPlaintext"/> reads the
    /// <see cref="EncryptedDownloadCheckpoint.PlaintextWritten"/> bytes already on flash (they are
    /// not given to <paramref name="next"/> again, and the pre-check is not repeated: it passed
    /// before they were written).
    /// </summary>
    /// <exception cref="EncryptedImageException">The checkpoint's header is rejected by this key.</exception>
    /// <exception cref="EndOfStreamException"><paramref name="writtenPlaintext"/> is shorter than the checkpoint says.</exception>
    public static DecryptingPayloadStage Resume(ImageDecryptionKey key, EncryptedDownloadCheckpoint checkpoint, Stream writtenPlaintext, Action<ReadOnlySpan<byte>> next)
    {
        ArgumentNullException.ThrowIfNull(checkpoint);
        ArgumentNullException.ThrowIfNull(writtenPlaintext);
        var decryptor = EncryptedImageDecryptor.Resume(key, checkpoint.Header);
        var chunk = new byte[16 * 1024];
        long left = checkpoint.PlaintextWritten;
        while (left > 0)
        {
            int n = writtenPlaintext.Read(chunk, 0, (int)Math.Min(chunk.Length, left));
            if (n == 0)
            {
                throw new EndOfStreamException($"the flash prefix ended {left} bytes before the {checkpoint.PlaintextWritten} the checkpoint records");
            }

            decryptor.Replay(chunk.AsSpan(0, n));
            left -= n;
        }

        return new DecryptingPayloadStage(decryptor, next, null, 0);
    }

    /// <summary>The checkpoint to store now, once the header is in (null before).</summary>
    /// <remarks>Take it after the next stage has made its bytes durable; <see cref="EncryptedDownloadCheckpoint.PlaintextWritten"/> counts what went to it.</remarks>
    public EncryptedDownloadCheckpoint? Checkpoint =>
        _decryptor.HeaderComplete ? new EncryptedDownloadCheckpoint(_decryptor.Header.ToArray(), _decryptor.PlaintextPosition - _heldLength) : null;

    /// <summary>The plain image's length, once the header is in.</summary>
    public long? PlainLength => _decryptor.HeaderComplete ? _decryptor.Header.PlainLength : null;

    /// <summary>Encrypted-file bytes consumed (the next byte to download is at this offset).</summary>
    public long CiphertextPosition => _decryptor.BytesConsumed;

    /// <summary>Feeds the next bytes of the encrypted file.</summary>
    /// <exception cref="EncryptedImageException">The header is rejected, or more than <c>bin_size</c> bytes arrive.</exception>
    public void Write(ReadOnlySpan<byte> encrypted)
    {
        while (!encrypted.IsEmpty)
        {
            var piece = encrypted[..Math.Min(16 * 1024, encrypted.Length)];
            int n = _decryptor.Update(piece, _buffer);
            Forward(_buffer.AsSpan(0, n));
            encrypted = encrypted[piece.Length..];
        }
    }

    /// <summary>Ends the stream: exactly <c>bin_size</c> bytes and a matching tag, or it throws (and the caller aborts the OTA).</summary>
    /// <exception cref="EncryptedImageException"><see cref="EncryptedImageFailure.Truncated"/> or <see cref="EncryptedImageFailure.AuthenticationFailed"/>.</exception>
    public void Complete()
    {
        int n = _decryptor.Final(_buffer);
        Forward(_buffer.AsSpan(0, n));
        if (!_prechecked)
        {
            RunPrecheck();
        }
    }

    private void Forward(ReadOnlySpan<byte> plaintext)
    {
        if (!_prechecked)
        {
            int take = Math.Min(plaintext.Length, _held.Length - _heldLength);
            plaintext[..take].CopyTo(_held.AsSpan(_heldLength));
            _heldLength += take;
            plaintext = plaintext[take..];
            if (_heldLength < _held.Length)
            {
                return;
            }

            RunPrecheck();
        }

        if (!plaintext.IsEmpty)
        {
            _next(plaintext);
        }
    }

    private void RunPrecheck()
    {
        _precheck!(_held.AsSpan(0, _heldLength));
        _prechecked = true;
        if (_heldLength > 0)
        {
            _next(_held.AsSpan(0, _heldLength));
        }

        _heldLength = 0;
    }
}
