using EspOta.Security;
using EspOta.Updates;

namespace EspOta.Payloads;

/// <summary>
/// The esp_encrypted_img stage (what <c>esp_https_ota</c>'s <c>decrypt_cb</c> does): the body is a
/// pre-encrypted image, the image is its plaintext. Decrypts as it streams with bounded memory; the
/// first image bytes are held for the admission check before anything is erased; the GCM tag is
/// checked in <see cref="Complete"/> (before <c>OtaUpdate.End</c>, so a wrong key or a changed byte
/// never boots).
/// </summary>
/// <remarks>
/// Resuming, which ESP-IDF refuses for <c>decrypt_cb</c> (<c>ota_resumption</c> →
/// <c>ESP_ERR_NOT_SUPPORTED</c>): the checkpoint's <see cref="PayloadCheckpoint.State"/> is the public
/// 512-byte header and <see cref="PayloadCheckpoint.ImageLength"/> the plaintext on flash; its
/// <see cref="PayloadCheckpoint.BodyOffset"/> is 512 + that length (ciphertext whose plaintext the
/// cipher still held back is fetched again). <see cref="Restore"/> recovers the AES key from the header
/// with the device key, and <see cref="Attach"/> reads the plaintext back from the partition and
/// encrypts it again under the same key and nonce, which restores the GCM counter and GHASH state
/// (<see cref="EncryptedImageDecryptor.Replay"/>). No key material is stored; the tag then covers
/// what is on flash too.
/// </remarks>
public sealed class DecryptingPayloadStage : IOtaPayloadStage
{
    private const int Chunk = 16 * 1024;

    private readonly ImageDecryptionKey _key;
    private EncryptedImageDecryptor _decryptor;
    private readonly byte[] _held = new byte[PayloadHead.Size + Chunk + 64];
    private readonly byte[] _output = new byte[EncryptedImageDecryptor.MaxOutputLength(Chunk)];
    private int _heldLength;
    private OtaUpdate? _update;
    private long _produced;
    private long? _restoredLength;
    private bool _pushed;

    /// <summary>Creates the stage for one install with the device's key.</summary>
    public DecryptingPayloadStage(ImageDecryptionKey key)
    {
        ArgumentNullException.ThrowIfNull(key);
        _key = key;
        _decryptor = new EncryptedImageDecryptor(key);
    }

    /// <inheritdoc />
    public long BodyOffset => _restoredLength is long restored && _update is null
        ? EncryptedImageHeader.Size + restored
        : _decryptor.BytesConsumed;

    /// <inheritdoc />
    public long ImageLength => _produced;

    /// <inheritdoc />
    public ReadOnlyMemory<byte> ImageHead => _held.AsMemory(0, Math.Min(_heldLength, PayloadHead.Size));

    /// <inheritdoc />
    public bool ImageIsBody => false;

    /// <inheritdoc />
    public bool CanResume => true;

    /// <inheritdoc />
    public void Restore(PayloadCheckpoint checkpoint)
    {
        ArgumentNullException.ThrowIfNull(checkpoint);
        if (_pushed || _update is not null || _restoredLength is not null)
        {
            throw new InvalidOperationException("Restore must come before any push or attach");
        }

        if (checkpoint.State is not { Length: EncryptedImageHeader.Size } header
            || checkpoint.ImageLength < 0
            || checkpoint.BodyOffset != EncryptedImageHeader.Size + checkpoint.ImageLength)
        {
            throw new EspException(EspError.InvalidArg,
                $"an esp_encrypted_img checkpoint holds the {EncryptedImageHeader.Size}-byte header and body offset = {EncryptedImageHeader.Size} + image length; got state {checkpoint.State?.Length ?? 0} bytes, body {checkpoint.BodyOffset}, image {checkpoint.ImageLength}");
        }

        try
        {
            _decryptor = EncryptedImageDecryptor.Resume(_key, header);
        }
        catch (EncryptedImageException e)
        {
            throw new EspException(EspError.InvalidArg, $"the checkpointed header cannot be used with this key: {e.Message}", e);
        }

        if (checkpoint.ImageLength > _decryptor.Header.PlainLength)
        {
            throw new EspException(EspError.InvalidArg, $"the checkpoint has {checkpoint.ImageLength} image bytes, the header's bin_size is {_decryptor.Header.PlainLength}");
        }

        _restoredLength = checkpoint.ImageLength;
        _produced = checkpoint.ImageLength;
    }

    /// <inheritdoc />
    public void Push(ReadOnlySpan<byte> body)
    {
        if (_restoredLength is not null && _update is null)
        {
            throw new InvalidOperationException("a restored stage must be attached (to replay the flash prefix) before more body arrives");
        }

        _pushed = true;
        while (!body.IsEmpty)
        {
            var piece = body[..Math.Min(Chunk, body.Length)];
            int n = _decryptor.Update(piece, _output);
            Emit(_output.AsSpan(0, n));
            body = body[piece.Length..];
        }
    }

    /// <inheritdoc />
    public void Attach(OtaUpdate update)
    {
        ArgumentNullException.ThrowIfNull(update);
        if (_update is not null)
        {
            throw new InvalidOperationException("the stage is already attached");
        }

        if (_restoredLength is long restored)
        {
            if (update.BytesWritten != restored)
            {
                throw new EspException(EspError.InvalidArg, $"the session resumes at {update.BytesWritten}, the checkpoint at {restored}");
            }

            var chunk = new byte[4096];
            for (long at = 0; at < restored; at += chunk.Length)
            {
                int n = (int)Math.Min(chunk.Length, restored - at);
                update.Flash.Read(update.Partition.Offset + at, chunk.AsSpan(0, n));
                _decryptor.Replay(chunk.AsSpan(0, n));
            }
        }

        _update = update;
        if (_heldLength > 0)
        {
            update.Write(_held.AsSpan(0, _heldLength));
            _heldLength = 0;
        }
    }

    /// <inheritdoc />
    public PayloadCheckpoint Checkpoint()
    {
        if (_update is null || !_decryptor.HeaderComplete)
        {
            throw new InvalidOperationException("a checkpoint is taken once the stage is attached");
        }

        return new PayloadCheckpoint(EncryptedImageHeader.Size + _update.BytesWritten, _update.BytesWritten, _decryptor.Header.ToArray());
    }

    /// <inheritdoc />
    public void Complete()
    {
        if (_update is null)
        {
            throw new InvalidOperationException("Complete before Attach");
        }

        int n = _decryptor.Final(_output);
        Emit(_output.AsSpan(0, n));
    }

    private void Emit(ReadOnlySpan<byte> image)
    {
        if (image.IsEmpty)
        {
            return;
        }

        _produced += image.Length;
        if (_update is not null)
        {
            _update.Write(image);
            return;
        }

        if (_heldLength + image.Length > _held.Length)
        {
            throw new InvalidOperationException($"the decrypting stage holds at most {_held.Length} bytes before Attach (push at most {PayloadHead.Size} - ImageHead.Length bytes at a time)");
        }

        image.CopyTo(_held.AsSpan(_heldLength));
        _heldLength += image.Length;
    }
}
