using System.Buffers;
using System.Security.Cryptography;

namespace EspOta.Security;

/// <summary>
/// Makes pre-encrypted images as <c>esp_enc_img_gen.py encrypt</c> does: a fresh AES-256 key (RSA) or
/// a fresh ephemeral ECDH key and salt (ECIES), a fresh 16-byte nonce, AES-256-GCM without AAD, the
/// tag in the header. Streams with a fixed buffer.
/// </summary>
public static class EncryptedImageEncryptor
{
    private const int BufferSize = 64 * 1024;

    /// <summary>
    /// Encrypts <paramref name="length"/> bytes of <paramref name="plaintext"/> into
    /// <paramref name="output"/> (header then ciphertext) and returns the header. The tag is known
    /// only at the end: a seekable output gets its header rewritten; otherwise the plaintext must be
    /// seekable and is read twice (once for the tag, once for the ciphertext).
    /// </summary>
    /// <exception cref="EncryptedImageException"><see cref="EncryptedImageFailure.TooLarge"/>: longer than 4 GiB − 1.</exception>
    /// <exception cref="ArgumentException">Neither stream can seek, or a bad length.</exception>
    /// <exception cref="EndOfStreamException">The plaintext has fewer than <paramref name="length"/> bytes.</exception>
    public static EncryptedImageHeader Encrypt(Stream plaintext, long length, Stream output, ImageEncryptionKey key)
    {
        ArgumentNullException.ThrowIfNull(plaintext);
        ArgumentNullException.ThrowIfNull(output);
        ArgumentNullException.ThrowIfNull(key);
        ArgumentOutOfRangeException.ThrowIfNegative(length);
        if (length > uint.MaxValue)
        {
            throw new EncryptedImageException(EncryptedImageFailure.TooLarge, $"{length} bytes do not fit the header's 32-bit bin_size");
        }

        if (!output.CanSeek && !plaintext.CanSeek)
        {
            throw new ArgumentException("either the output or the plaintext stream must be seekable (the tag goes into the header)", nameof(output));
        }

        var keyArea = new byte[EncryptedImageHeader.KeyAreaSize];
        var gcmKey = key.CreateGcmKey(keyArea);
        try
        {
            var iv = RandomNumberGenerator.GetBytes(EncryptedImageHeader.IvSize);
            var header = new EncryptedImageHeader(EncryptedImageHeader.ImageMagic, keyArea, iv, (uint)length,
                new byte[EncryptedImageHeader.AuthTagSize], new byte[EncryptedImageHeader.ReservedSize]);
            if (output.CanSeek)
            {
                long start = output.Position;
                output.Write(header.ToArray());
                var tag = Run(plaintext, length, output, gcmKey, iv);
                header = header with { AuthTag = tag };
                long end = output.Position;
                output.Position = start;
                output.Write(header.ToArray());
                output.Position = end;
            }
            else
            {
                long start = plaintext.Position;
                var tag = Run(plaintext, length, Stream.Null, gcmKey, iv);
                header = header with { AuthTag = tag };
                plaintext.Position = start;
                output.Write(header.ToArray());
                Run(plaintext, length, output, gcmKey, iv);
            }

            return header;
        }
        finally
        {
            CryptographicOperations.ZeroMemory(gcmKey);
        }
    }

    /// <summary>Encrypts a whole image held in memory.</summary>
    public static byte[] Encrypt(ReadOnlySpan<byte> plaintext, ImageEncryptionKey key)
    {
        using var input = new MemoryStream(plaintext.ToArray(), writable: false);
        using var output = new MemoryStream(EncryptedImageHeader.Size + plaintext.Length);
        Encrypt(input, plaintext.Length, output, key);
        return output.ToArray();
    }

    private static byte[] Run(Stream plaintext, long length, Stream output, byte[] gcmKey, byte[] iv)
    {
        var gcm = EncryptedImageGcm.Create(true, gcmKey, iv);
        var inBuffer = ArrayPool<byte>.Shared.Rent(BufferSize);
        var outBuffer = ArrayPool<byte>.Shared.Rent(BufferSize + 2 * EncryptedImageHeader.AuthTagSize);
        try
        {
            long left = length;
            while (left > 0)
            {
                int read = plaintext.Read(inBuffer, 0, (int)Math.Min(BufferSize, left));
                if (read == 0)
                {
                    throw new EndOfStreamException($"the plaintext ended {left} bytes before the {length} announced");
                }

                output.Write(outBuffer, 0, gcm.ProcessBytes(inBuffer.AsSpan(0, read), outBuffer));
                left -= read;
            }

            int n = gcm.DoFinal(outBuffer.AsSpan());
            int body = n - EncryptedImageHeader.AuthTagSize;
            output.Write(outBuffer, 0, body);
            return outBuffer.AsSpan(body, EncryptedImageHeader.AuthTagSize).ToArray();
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(inBuffer);
            ArrayPool<byte>.Shared.Return(outBuffer);
        }
    }
}
