using System.Security.Cryptography;
using Org.BouncyCastle.Crypto.Modes;

namespace EspOta.Security;

/// <summary>
/// Encrypts an image piece by piece, as it arrives, when neither its length nor a second pass over
/// it is available (the server encrypting an upload while it streams in): the same output as
/// <see cref="EncryptedImageEncryptor.Encrypt(Stream, long, Stream, ImageEncryptionKey)"/> — a fresh
/// AES-256 key wrapped for the public key, a fresh 16-byte nonce, AES-256-GCM without AAD — but the
/// 512-byte header, which holds the plain length and the tag, is only known after <see cref="Final"/>.
/// The caller writes <see cref="EncryptedImageHeader.Size"/> placeholder bytes first and the header
/// over them at the end.
/// </summary>
/// <remarks>Memory is one GCM state and no buffer of the image. Single-use, not thread-safe.</remarks>
public sealed class StreamingImageEncryptor : IDisposable
{
    private readonly byte[] _gcmKey;
    private readonly byte[] _keyArea = new byte[EncryptedImageHeader.KeyAreaSize];
    private readonly byte[] _iv = RandomNumberGenerator.GetBytes(EncryptedImageHeader.IvSize);
    private readonly GcmBlockCipher _gcm;
    private long _plainLength;
    private bool _finished;

    /// <summary>Starts an image for <paramref name="key"/>.</summary>
    public StreamingImageEncryptor(ImageEncryptionKey key)
    {
        ArgumentNullException.ThrowIfNull(key);
        _gcmKey = key.CreateGcmKey(_keyArea);
        _gcm = EncryptedImageGcm.Create(true, _gcmKey, _iv);
    }

    /// <summary>Plaintext bytes taken so far.</summary>
    public long PlainLength => _plainLength;

    /// <summary>The most bytes <see cref="Update"/> may write for <paramref name="inputLength"/> input bytes (GCM holds back less than a block).</summary>
    public static int MaxOutputLength(int inputLength) => checked(inputLength + EncryptedImageHeader.AuthTagSize);

    /// <summary>The most bytes <see cref="Final"/> writes.</summary>
    public const int MaxFinalLength = EncryptedImageHeader.AuthTagSize;

    /// <summary>Encrypts the next plaintext bytes; returns how many ciphertext bytes were written to <paramref name="output"/>.</summary>
    /// <exception cref="EncryptedImageException"><see cref="EncryptedImageFailure.TooLarge"/>: the plaintext passed 4 GiB − 1 (bin_size is 32 bits).</exception>
    /// <exception cref="InvalidOperationException">After <see cref="Final"/>.</exception>
    /// <exception cref="ArgumentException"><paramref name="output"/> is shorter than <see cref="MaxOutputLength"/>.</exception>
    public int Update(ReadOnlySpan<byte> plaintext, Span<byte> output)
    {
        ObjectDisposedException.ThrowIf(_finished, this);
        if (output.Length < MaxOutputLength(plaintext.Length))
        {
            throw new ArgumentException($"the output needs room for {MaxOutputLength(plaintext.Length)} bytes", nameof(output));
        }

        if (_plainLength + plaintext.Length > uint.MaxValue)
        {
            throw new EncryptedImageException(EncryptedImageFailure.TooLarge, $"more than {uint.MaxValue} bytes do not fit the header's 32-bit bin_size");
        }

        _plainLength += plaintext.Length;
        return _gcm.ProcessBytes(plaintext, output);
    }

    /// <summary>
    /// Ends the image: writes the last ciphertext bytes to <paramref name="output"/> (at most
    /// <see cref="MaxFinalLength"/>), sets <paramref name="written"/>, and returns the header to put
    /// in front of the ciphertext. The AES key is wiped.
    /// </summary>
    public EncryptedImageHeader Final(Span<byte> output, out int written)
    {
        ObjectDisposedException.ThrowIf(_finished, this);
        if (output.Length < MaxFinalLength)
        {
            throw new ArgumentException($"the output needs room for {MaxFinalLength} bytes", nameof(output));
        }

        Span<byte> last = stackalloc byte[MaxFinalLength + EncryptedImageHeader.AuthTagSize];
        int n = _gcm.DoFinal(last);
        written = n - EncryptedImageHeader.AuthTagSize;
        last[..written].CopyTo(output);
        var tag = last.Slice(written, EncryptedImageHeader.AuthTagSize).ToArray();
        Dispose();
        return new EncryptedImageHeader(EncryptedImageHeader.ImageMagic, _keyArea, _iv, (uint)_plainLength, tag, new byte[EncryptedImageHeader.ReservedSize]);
    }

    /// <summary>Wipes the AES key (an unfinished image can no longer be finished).</summary>
    public void Dispose()
    {
        _finished = true;
        CryptographicOperations.ZeroMemory(_gcmKey);
    }
}
