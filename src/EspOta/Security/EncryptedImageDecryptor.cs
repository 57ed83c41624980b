using System.Buffers;
using System.Buffers.Binary;
using Org.BouncyCastle.Crypto;
using Org.BouncyCastle.Crypto.Modes;

namespace EspOta.Security;

/// <summary>
/// Decrypts a pre-encrypted image as it arrives, with bounded memory (the 512-byte header, the GCM
/// state and at most 31 bytes of plaintext held back; the device's component holds 16). What
/// <c>esp_encrypted_img_decrypt_data</c> / <c>_decrypt_end</c> do: the magic is checked first, the
/// AES key is recovered as soon as the header is complete, ciphertext is decrypted while it streams
/// (so plaintext comes out before the tag is known: whoever writes it must not trust it before
/// <see cref="Final"/>) and the tag is checked at the end, with exactly <c>bin_size</c> bytes.
/// </summary>
/// <remarks>
/// <para>
/// Resuming (which ESP-IDF cannot do for a pre-encrypted download): GCM's state after k bytes is the
/// CTR position plus the GHASH over the first k ciphertext bytes. Both follow from the header, the
/// key and the k plaintext bytes already written: encrypting that plaintext again under the same key
/// and nonce gives back exactly the ciphertext it came from, which is fed through the decryption.
/// <see cref="Resume"/> then <see cref="Replay"/> does that; nothing secret needs to be stored in a
/// checkpoint (the header is public; the key is recovered again with the device key). A prefix that
/// differs from what was really decrypted (e.g. a write torn by power loss) gives a different
/// ciphertext, so the final tag check fails: the tag covers what is on flash, not only the download.
/// </para>
/// </remarks>
public sealed class EncryptedImageDecryptor
{
    private const int HeldBackBound = 32;

    private readonly ImageDecryptionKey _key;
    private readonly byte[] _headerBytes = new byte[EncryptedImageHeader.Size];
    private int _headerFilled;
    private EncryptedImageHeader _header;
    private GcmBlockCipher? _gcm;
    private GcmBlockCipher? _replay;
    private byte[]? _gcmKey;
    private long _drainedFromCipher;
    private long _ciphertextFed;
    private long _replayed;
    private long _plainProduced;
    private bool _failed;
    private bool _finished;

    /// <summary>Starts a decryption (<c>esp_encrypted_img_decrypt_start</c>).</summary>
    /// <param name="key">The device's key.</param>
    /// <param name="ignoreTrailingData">
    /// Ignore bytes after <c>bin_size</c> as <c>esp_enc_img_gen.py decrypt</c> does. By default they
    /// fail the decryption as on the device (<see cref="EncryptedImageFailure.TrailingData"/>).
    /// </param>
    public EncryptedImageDecryptor(ImageDecryptionKey key, bool ignoreTrailingData = false)
    {
        ArgumentNullException.ThrowIfNull(key);
        _key = key;
        IgnoreTrailingData = ignoreTrailingData;
    }

    /// <summary>Whether bytes after <c>bin_size</c> are ignored (the tool) rather than rejected (the device).</summary>
    public bool IgnoreTrailingData { get; }

    /// <summary>Whether the 512-byte header has been read and the AES key recovered.</summary>
    public bool HeaderComplete => _gcm is not null;

    /// <summary>The header, once <see cref="HeaderComplete"/>.</summary>
    /// <exception cref="InvalidOperationException">The header is not complete yet.</exception>
    public EncryptedImageHeader Header => HeaderComplete ? _header : throw new InvalidOperationException("the encrypted image header has not been read yet");

    /// <summary>File bytes consumed so far (header and ciphertext, including a resumed prefix; trailing bytes not counted).</summary>
    public long BytesConsumed => _headerFilled + _ciphertextFed;

    /// <summary>Plaintext bytes produced so far, counting a replayed prefix (the position in the plain image).</summary>
    public long PlaintextPosition => _replayed + _plainProduced;

    /// <summary>Whether all <c>bin_size</c> ciphertext bytes have arrived (<c>esp_encrypted_img_is_complete_data_received</c>).</summary>
    public bool IsCompleteDataReceived => HeaderComplete && _ciphertextFed == _header.PlainLength;

    /// <summary>An upper bound of the plaintext one <see cref="Update"/> of <paramref name="inputLength"/> bytes, or <see cref="Final"/>, can produce.</summary>
    public static int MaxOutputLength(int inputLength) => checked(inputLength + HeldBackBound);

    /// <summary>
    /// Continues a decryption from a checkpoint: <paramref name="header"/> is the image's header (the
    /// AES key is recovered from it again), then <see cref="Replay"/> gets the plaintext already
    /// written, then <see cref="Update"/> the ciphertext from file offset 512 + that length on.
    /// </summary>
    /// <exception cref="EncryptedImageException">The header's magic or key area is rejected.</exception>
    public static EncryptedImageDecryptor Resume(ImageDecryptionKey key, ReadOnlySpan<byte> header, bool ignoreTrailingData = false)
    {
        if (header.Length != EncryptedImageHeader.Size)
        {
            throw new ArgumentException($"a checkpointed encrypted image header is {EncryptedImageHeader.Size} bytes, got {header.Length}", nameof(header));
        }

        var decryptor = new EncryptedImageDecryptor(key, ignoreTrailingData);
        decryptor.Update(header, []);
        return decryptor;
    }

    /// <summary>
    /// Feeds plaintext that an earlier decryption of this image already produced (see the remarks),
    /// without producing it again. Only right after the header, before any <see cref="Update"/> with ciphertext.
    /// </summary>
    /// <exception cref="InvalidOperationException">Not right after the header.</exception>
    /// <exception cref="EncryptedImageException"><see cref="EncryptedImageFailure.TrailingData"/>: longer than <c>bin_size</c>.</exception>
    public void Replay(ReadOnlySpan<byte> plaintext)
    {
        ThrowIfUnusable();
        if (!HeaderComplete || _ciphertextFed != _replayed)
        {
            throw new InvalidOperationException("a plaintext prefix can only be replayed right after the header, before any ciphertext");
        }

        if (_replayed + plaintext.Length > _header.PlainLength)
        {
            Fail();
            throw new EncryptedImageException(EncryptedImageFailure.TrailingData,
                $"the replayed prefix ({_replayed + plaintext.Length} bytes) is longer than bin_size {_header.PlainLength}");
        }

        _replay ??= EncryptedImageGcm.Create(true, _gcmKey!, _header.Iv.Span);
        var ciphertext = ArrayPool<byte>.Shared.Rent(4096 + HeldBackBound);
        var discard = ArrayPool<byte>.Shared.Rent(4096 + 2 * HeldBackBound);
        try
        {
            while (!plaintext.IsEmpty)
            {
                var chunk = plaintext[..Math.Min(4096, plaintext.Length)];
                int n = _replay.ProcessBytes(chunk, ciphertext);
                _drainedFromCipher += _gcm!.ProcessBytes(ciphertext.AsSpan(0, n), discard);
                _replayed += chunk.Length;
                _ciphertextFed += chunk.Length;
                plaintext = plaintext[chunk.Length..];
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(ciphertext);
            ArrayPool<byte>.Shared.Return(discard);
        }
    }

    /// <summary>
    /// Consumes the next bytes of the encrypted file and writes the plaintext they complete into
    /// <paramref name="output"/> (at least <see cref="MaxOutputLength"/> of the input length); returns
    /// how many bytes were written.
    /// </summary>
    /// <exception cref="EncryptedImageException">
    /// <see cref="EncryptedImageFailure.BadMagic"/>, <see cref="EncryptedImageFailure.KeyUnwrapFailed"/>,
    /// <see cref="EncryptedImageFailure.InvalidServerPublicKey"/> when the header is rejected,
    /// <see cref="EncryptedImageFailure.TrailingData"/> for more than <c>bin_size</c> bytes. The decryptor
    /// cannot be used after a failure.
    /// </exception>
    public int Update(ReadOnlySpan<byte> input, Span<byte> output)
    {
        ThrowIfUnusable();
        int written = 0;
        if (_gcm is null)
        {
            int take = Math.Min(input.Length, EncryptedImageHeader.Size - _headerFilled);
            input[..take].CopyTo(_headerBytes.AsSpan(_headerFilled));
            int before = _headerFilled;
            _headerFilled += take;
            input = input[take..];
            if (before < EncryptedImageHeader.MagicSize && _headerFilled >= EncryptedImageHeader.MagicSize
                && !EncryptedImageHeader.StartsWithMagic(_headerBytes))
            {
                Fail();
                throw new EncryptedImageException(EncryptedImageFailure.BadMagic,
                    $"magic is 0x{BinaryPrimitives.ReadUInt32LittleEndian(_headerBytes):x8}, expected 0x{EncryptedImageHeader.ImageMagic:x8} (not a pre-encrypted image)", 0);
            }

            if (_headerFilled < EncryptedImageHeader.Size)
            {
                return 0;
            }

            StartCipher();
        }

        FlushReplay();
        if (input.IsEmpty)
        {
            return 0;
        }

        long remaining = _header.PlainLength - _ciphertextFed;
        if (input.Length > remaining)
        {
            if (!IgnoreTrailingData)
            {
                long at = EncryptedImageHeader.Size + (long)_header.PlainLength;
                Fail();
                throw new EncryptedImageException(EncryptedImageFailure.TrailingData,
                    $"more than bin_size {_header.PlainLength} bytes of ciphertext follow the header (esp_encrypted_img_decrypt_end would fail)", at);
            }

            input = input[..(int)remaining];
        }

        if (output.Length < MaxOutputLength(input.Length))
        {
            throw new ArgumentException($"the output needs room for {MaxOutputLength(input.Length)} bytes, has {output.Length}", nameof(output));
        }

        written += Produce(_gcm!.ProcessBytes(input, output), output);
        _ciphertextFed += input.Length;
        return written;
    }

    /// <summary>
    /// Ends the decryption (<c>esp_encrypted_img_decrypt_end</c>): checks that exactly <c>bin_size</c>
    /// bytes arrived and the tag matches; writes the last held-back plaintext (at most 32 bytes) into
    /// <paramref name="output"/> and returns its length.
    /// </summary>
    /// <exception cref="EncryptedImageException"><see cref="EncryptedImageFailure.Truncated"/> or <see cref="EncryptedImageFailure.AuthenticationFailed"/>.</exception>
    public int Final(Span<byte> output)
    {
        ThrowIfUnusable();
        if (output.Length < HeldBackBound)
        {
            throw new ArgumentException($"the output needs room for {HeldBackBound} bytes, has {output.Length}", nameof(output));
        }

        if (_gcm is null)
        {
            Fail();
            throw new EncryptedImageException(EncryptedImageFailure.Truncated,
                $"the data ended after {_headerFilled} bytes, inside the {EncryptedImageHeader.Size}-byte header", _headerFilled);
        }

        FlushReplay();
        if (_ciphertextFed != _header.PlainLength)
        {
            Fail();
            throw new EncryptedImageException(EncryptedImageFailure.Truncated,
                $"the data ended after {_ciphertextFed} of bin_size {_header.PlainLength} ciphertext bytes", BytesConsumed);
        }

        Span<byte> tail = stackalloc byte[2 * HeldBackBound];
        int n = _gcm.ProcessBytes(_header.AuthTag.Span, tail);
        try
        {
            n += _gcm.DoFinal(tail[n..]);
        }
        catch (InvalidCipherTextException ex)
        {
            Fail();
            throw new EncryptedImageException(EncryptedImageFailure.AuthenticationFailed,
                "the GCM tag does not match (a wrong key, or a changed byte in the ciphertext, tag, IV or length); the plaintext must be discarded",
                EncryptedImageHeader.AuthTagOffset, ex);
        }

        int written = Produce(n, tail);
        tail[..written].CopyTo(output);
        _finished = true;
        ClearKey();
        return written;
    }

    /// <summary>Decrypts a whole encrypted stream into <paramref name="output"/> with a fixed buffer; returns the header.</summary>
    /// <remarks>The plaintext is written before the tag is checked: write it somewhere provisional and keep it only if this returns.</remarks>
    /// <exception cref="EncryptedImageException">The image is rejected.</exception>
    public static EncryptedImageHeader Decrypt(Stream input, Stream output, ImageDecryptionKey key, bool ignoreTrailingData = false)
    {
        var decryptor = new EncryptedImageDecryptor(key, ignoreTrailingData);
        var inBuffer = ArrayPool<byte>.Shared.Rent(64 * 1024);
        var outBuffer = ArrayPool<byte>.Shared.Rent(MaxOutputLength(64 * 1024));
        try
        {
            int read;
            while ((read = input.Read(inBuffer, 0, 64 * 1024)) > 0)
            {
                output.Write(outBuffer, 0, decryptor.Update(inBuffer.AsSpan(0, read), outBuffer));
                if (ignoreTrailingData && decryptor.IsCompleteDataReceived)
                {
                    break;
                }
            }

            output.Write(outBuffer, 0, decryptor.Final(outBuffer));
            return decryptor.Header;
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(inBuffer);
            ArrayPool<byte>.Shared.Return(outBuffer);
        }
    }

    /// <summary>Decrypts a whole encrypted image held in memory.</summary>
    /// <exception cref="EncryptedImageException">The image is rejected.</exception>
    public static byte[] Decrypt(ReadOnlySpan<byte> encrypted, ImageDecryptionKey key, bool ignoreTrailingData = false)
    {
        using var output = new MemoryStream();
        using var input = new MemoryStream(encrypted.ToArray(), writable: false);
        Decrypt(input, output, key, ignoreTrailingData);
        return output.ToArray();
    }

    private void StartCipher()
    {
        _header = EncryptedImageHeader.Read(_headerBytes);
        try
        {
            _gcmKey = _key.RecoverGcmKey(_header);
        }
        catch
        {
            Fail();
            throw;
        }

        _gcm = EncryptedImageGcm.Create(false, _gcmKey, _header.Iv.Span);
    }

    /// <summary>Ends a replay: the replay cipher's last partial block of ciphertext goes through the decryption too.</summary>
    private void FlushReplay()
    {
        if (_replay is null)
        {
            return;
        }

        Span<byte> last = stackalloc byte[2 * HeldBackBound];
        Span<byte> discard = stackalloc byte[4 * HeldBackBound];
        int n = _replay.DoFinal(last) - EncryptedImageHeader.AuthTagSize;
        _drainedFromCipher += _gcm!.ProcessBytes(last[..n], discard);
        _replay = null;
    }

    /// <summary>
    /// Counts plaintext the cipher produced; while a replayed prefix is still coming out of the
    /// cipher's hold-back it is dropped (moved out of <paramref name="buffer"/>'s front).
    /// </summary>
    private int Produce(int produced, Span<byte> buffer)
    {
        long total = _drainedFromCipher + produced;
        int skip = (int)Math.Clamp(_replayed - _drainedFromCipher, 0, produced);
        _drainedFromCipher = total;
        int kept = produced - skip;
        if (skip > 0 && kept > 0)
        {
            buffer.Slice(skip, kept).CopyTo(buffer);
        }

        _plainProduced += kept;
        return kept;
    }

    private void ThrowIfUnusable()
    {
        if (_failed)
        {
            throw new InvalidOperationException("the decryption has failed; start a new one");
        }

        if (_finished)
        {
            throw new InvalidOperationException("the decryption has ended");
        }
    }

    private void Fail()
    {
        _failed = true;
        ClearKey();
    }

    private void ClearKey()
    {
        if (_gcmKey is not null)
        {
            System.Security.Cryptography.CryptographicOperations.ZeroMemory(_gcmKey);
        }
    }
}
