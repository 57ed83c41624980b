using CsCheck;
using EspOta.Security;
using Xunit.Abstractions;

namespace EspOta.Tests.Security;

/// <summary>Our encryption against our decryption, tampering, wrong keys and resuming (CsCheck; a failure prints its seed).</summary>
public sealed class EncryptedImagePropertyTests(ITestOutputHelper output, EncryptedImagePropertyTests.Keys keys) : IClassFixture<EncryptedImagePropertyTests.Keys>
{
    private const int Iterations = 60;

    /// <summary>The vector key pairs, loaded once.</summary>
    public sealed class Keys : IDisposable
    {
        public ImageEncryptionKey RsaPublic { get; } = ImageEncryptionKey.Load(EncryptedImageVectors.KeyFile("rsa_a", "rsa_pub_key.pem"));
        public ImageDecryptionKey RsaPrivate { get; } = ImageDecryptionKey.Load(EncryptedImageVectors.KeyFile("rsa_a", "rsa_priv_key.pem"));
        public ImageEncryptionKey EccPublic { get; } = ImageEncryptionKey.Load(EncryptedImageVectors.KeyFile("ecc_a", "device_pub_key.pem"));
        public ImageDecryptionKey EccPrivate { get; } = ImageDecryptionKey.FromHmacKey(File.ReadAllBytes(EncryptedImageVectors.KeyFile("ecc_a", "device_hmac_key.bin")));
        public ImageDecryptionKey OtherRsa { get; } = ImageDecryptionKey.Load(EncryptedImageVectors.KeyFile("espressif_example_rsa", "rsa_priv_key.pem"));
        public ImageDecryptionKey OtherEcc { get; } = ImageDecryptionKey.Load(EncryptedImageVectors.KeyFile("espressif_example_ecc", "device_priv_key.pem"));

        public (ImageEncryptionKey Public, ImageDecryptionKey Private, ImageDecryptionKey Wrong) Pair(bool rsa) =>
            rsa ? (RsaPublic, RsaPrivate, OtherRsa) : (EccPublic, EccPrivate, OtherEcc);

        public void Dispose()
        {
            RsaPublic.Dispose();
            RsaPrivate.Dispose();
            EccPublic.Dispose();
            EccPrivate.Dispose();
            OtherRsa.Dispose();
            OtherEcc.Dispose();
        }
    }

    private readonly Keys _keys = keys;

    /// <summary>Sizes around AES block and chunk boundaries, 0 included.</summary>
    private static readonly Gen<int> Sizes = Gen.OneOf(Gen.Int[0, 40], Gen.Int[0, 5000], Gen.Const(0), Gen.Int[1, 300].Select(b => b * 16), Gen.Int[1, 300].Select(b => b * 16 + 1));

    private static readonly Gen<(byte[] Plain, bool Rsa, int Chunk)> Inputs =
        Gen.Select(Sizes, Gen.Bool, Gen.Int[1, 700], Gen.Int).Select(t =>
        {
            var plain = new byte[t.Item1];
            new Random(t.Item4).NextBytes(plain);
            return (plain, t.Item2, t.Item3);
        });

    private static byte[] DecryptInChunks(byte[] encrypted, ImageDecryptionKey key, int chunk)
    {
        var decryptor = new EncryptedImageDecryptor(key);
        var buffer = new byte[EncryptedImageDecryptor.MaxOutputLength(chunk)];
        using var output = new MemoryStream();
        for (int at = 0; at < encrypted.Length; at += chunk)
        {
            output.Write(buffer, 0, decryptor.Update(encrypted.AsSpan(at, Math.Min(chunk, encrypted.Length - at)), buffer));
        }

        output.Write(buffer, 0, decryptor.Final(buffer));
        return output.ToArray();
    }

    [Fact]
    public void EncryptThenDecrypt_AnySizeAnyChunking_GivesThePlaintext()
    {
        Inputs.Sample(t =>
        {
            var (pub, priv, _) = _keys.Pair(t.Rsa);
            var encrypted = EncryptedImageEncryptor.Encrypt(t.Plain, pub);
            Assert.Equal(EncryptedImageHeader.Size + t.Plain.Length, encrypted.Length);
            Assert.Equal(t.Plain, DecryptInChunks(encrypted, priv, t.Chunk));
        }, iter: Iterations, writeLine: output.WriteLine);
    }

    /// <summary>The server's encrypt-on-upload: pieces of any size, header written over a placeholder at the end.</summary>
    [Fact]
    public void StreamingEncryptor_AnySizeAnyPieces_DecryptsToThePlaintext()
    {
        Gen.Select(Inputs, Gen.Int[1, 70_000]).Sample(t =>
        {
            var ((plain, rsa, chunk), piece) = t;
            var (pub, priv, _) = _keys.Pair(rsa);
            using var encryptor = new StreamingImageEncryptor(pub);
            var file = new byte[EncryptedImageHeader.Size + plain.Length];
            var buffer = new byte[StreamingImageEncryptor.MaxOutputLength(piece)];
            int written = EncryptedImageHeader.Size;
            for (int at = 0; at < plain.Length; at += piece)
            {
                int n = encryptor.Update(plain.AsSpan(at, Math.Min(piece, plain.Length - at)), buffer);
                buffer.AsSpan(0, n).CopyTo(file.AsSpan(written));
                written += n;
            }

            var header = encryptor.Final(buffer, out int last);
            buffer.AsSpan(0, last).CopyTo(file.AsSpan(written));
            written += last;
            header.WriteTo(file);

            Assert.Equal(file.Length, written);
            Assert.Equal((uint)plain.Length, header.PlainLength);
            Assert.Equal(plain.LongLength, encryptor.PlainLength);
            Assert.Equal(plain, DecryptInChunks(file, priv, chunk));
            Assert.Throws<ObjectDisposedException>(() => encryptor.Update([1], buffer));
        }, iter: Iterations, writeLine: output.WriteLine);
    }

    [Fact]
    public void StreamingEncryptor_TwoImagesOfTheSameBytes_DifferInKeyNonceAndCiphertext()
    {
        var plain = new byte[4096];
        new Random(3).NextBytes(plain);
        byte[] Encrypt()
        {
            using var encryptor = new StreamingImageEncryptor(_keys.EccPublic);
            var body = new byte[StreamingImageEncryptor.MaxOutputLength(plain.Length) + StreamingImageEncryptor.MaxFinalLength];
            int n = encryptor.Update(plain, body);
            var header = encryptor.Final(body.AsSpan(n), out int last);
            return [.. header.ToArray(), .. body.AsSpan(0, n + last)];
        }

        var a = Encrypt();
        var b = Encrypt();
        Assert.NotEqual(a.AsSpan(EncryptedImageHeader.KeyAreaOffset, EncryptedImageHeader.KeyAreaSize).ToArray(), b.AsSpan(EncryptedImageHeader.KeyAreaOffset, EncryptedImageHeader.KeyAreaSize).ToArray());
        Assert.NotEqual(a.AsSpan(EncryptedImageHeader.IvOffset, EncryptedImageHeader.IvSize).ToArray(), b.AsSpan(EncryptedImageHeader.IvOffset, EncryptedImageHeader.IvSize).ToArray());
        Assert.NotEqual(a.AsSpan(EncryptedImageHeader.Size).ToArray(), b.AsSpan(EncryptedImageHeader.Size).ToArray());
        Assert.Equal(plain, EncryptedImageDecryptor.Decrypt(a, _keys.EccPrivate));
        Assert.Equal(plain, EncryptedImageDecryptor.Decrypt(b, _keys.EccPrivate));
    }

    [Fact]
    public void Encrypt_NonSeekableOutput_ReadsThePlaintextTwiceAndGivesTheSameFormat()
    {
        var plain = new byte[10_001];
        new Random(11).NextBytes(plain);
        using var input = new MemoryStream(plain);
        using var sink = new MemoryStream();
        using var forwardOnly = new ForwardOnlyStream(sink);
        var header = EncryptedImageEncryptor.Encrypt(input, plain.Length, forwardOnly, _keys.EccPublic);
        Assert.Equal(header.ToArray(), sink.ToArray()[..EncryptedImageHeader.Size]);
        Assert.Equal(plain, EncryptedImageDecryptor.Decrypt(sink.ToArray(), _keys.EccPrivate));
    }

    [Fact]
    public void Decrypt_AnyFlippedByte_FailsUnlessTheByteIsReserved()
    {
        Gen.Select(Inputs, Gen.Int[0, int.MaxValue], Gen.Byte[1, 255]).Sample(t =>
        {
            var (pub, priv, _) = _keys.Pair(t.Item1.Rsa);
            var encrypted = EncryptedImageEncryptor.Encrypt(t.Item1.Plain, pub);
            int at = t.Item2 % encrypted.Length;
            encrypted[at] ^= t.Item3;
            bool reserved = at is >= EncryptedImageHeader.ReservedOffset and < EncryptedImageHeader.Size
                || (!t.Item1.Rsa && at is >= EncryptedImageHeader.EciesReservedOffset and < EncryptedImageHeader.IvOffset);
            if (reserved)
            {
                // The tool and the component skip these bytes: they are covered by nothing.
                Assert.Equal(t.Item1.Plain, DecryptInChunks(encrypted, priv, t.Item1.Chunk));
            }
            else
            {
                var ex = Assert.Throws<EncryptedImageException>(() => DecryptInChunks(encrypted, priv, t.Item1.Chunk));
                Assert.Equal(EspError.Fail, ex.Code);
                var expected = at switch
                {
                    < EncryptedImageHeader.KeyAreaOffset => [EncryptedImageFailure.BadMagic],
                    < EncryptedImageHeader.IvOffset when t.Item1.Rsa => [EncryptedImageFailure.KeyUnwrapFailed],
                    < EncryptedImageHeader.KdfSaltOffset when !t.Item1.Rsa => [EncryptedImageFailure.InvalidServerPublicKey, EncryptedImageFailure.AuthenticationFailed],
                    >= EncryptedImageHeader.PlainLengthOffset and < EncryptedImageHeader.AuthTagOffset =>
                        new[] { EncryptedImageFailure.Truncated, EncryptedImageFailure.TrailingData, EncryptedImageFailure.AuthenticationFailed },
                    _ => [EncryptedImageFailure.AuthenticationFailed],
                };
                Assert.Contains(ex.Failure, expected);
            }
        }, iter: Iterations, writeLine: output.WriteLine);
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void Decrypt_WrongKey_FailsWithATypedError(bool rsa)
    {
        var (pub, _, wrong) = _keys.Pair(rsa);
        var encrypted = EncryptedImageEncryptor.Encrypt(new byte[1000], pub);
        var ex = Assert.Throws<EncryptedImageException>(() => EncryptedImageDecryptor.Decrypt(encrypted, wrong));
        Assert.Equal(rsa ? EncryptedImageFailure.KeyUnwrapFailed : EncryptedImageFailure.AuthenticationFailed, ex.Failure);
    }

    [Fact]
    public void Decrypt_TruncatedOrExtended_IsRejected()
    {
        var encrypted = EncryptedImageEncryptor.Encrypt(new byte[100], _keys.EccPublic);
        Assert.Equal(EncryptedImageFailure.Truncated,
            Assert.Throws<EncryptedImageException>(() => EncryptedImageDecryptor.Decrypt(encrypted[..^1], _keys.EccPrivate)).Failure);
        Assert.Equal(EncryptedImageFailure.Truncated,
            Assert.Throws<EncryptedImageException>(() => EncryptedImageDecryptor.Decrypt(encrypted[..100], _keys.EccPrivate)).Failure);
        Assert.Equal(EncryptedImageFailure.Truncated,
            Assert.Throws<EncryptedImageException>(() => EncryptedImageDecryptor.Decrypt([], _keys.EccPrivate)).Failure);
        byte[] longer = [.. encrypted, 0];
        Assert.Equal(EncryptedImageFailure.TrailingData,
            Assert.Throws<EncryptedImageException>(() => EncryptedImageDecryptor.Decrypt(longer, _keys.EccPrivate)).Failure);
        // The tool reads exactly bin_size bytes and ignores the rest.
        Assert.Equal(new byte[100], EncryptedImageDecryptor.Decrypt(longer, _keys.EccPrivate, ignoreTrailingData: true));
    }

    [Fact]
    public void Decrypt_AfterAFailure_CannotContinue()
    {
        var encrypted = EncryptedImageEncryptor.Encrypt(new byte[100], _keys.RsaPublic);
        encrypted[0] ^= 1;
        var decryptor = new EncryptedImageDecryptor(_keys.RsaPrivate);
        var buffer = new byte[1000];
        Assert.Equal(EncryptedImageFailure.BadMagic, Assert.Throws<EncryptedImageException>(() => decryptor.Update(encrypted, buffer)).Failure);
        Assert.Throws<InvalidOperationException>(() => decryptor.Update(encrypted, buffer));
    }

    [Fact]
    public void Resume_AnyCutPoint_ReplaysThePrefixAndFinishesWithTheTagChecked()
    {
        Gen.Select(Inputs, Gen.Int[0, int.MaxValue]).Sample(t =>
        {
            var (pub, priv, _) = _keys.Pair(t.Item1.Rsa);
            var plain = t.Item1.Plain;
            var encrypted = EncryptedImageEncryptor.Encrypt(plain, pub);
            int cut = plain.Length == 0 ? 0 : t.Item2 % (plain.Length + 1);

            var resumed = EncryptedImageDecryptor.Resume(priv, encrypted.AsSpan(0, EncryptedImageHeader.Size));
            resumed.Replay(plain.AsSpan(0, cut));
            Assert.Equal(cut, resumed.PlaintextPosition);
            var rest = encrypted[(EncryptedImageHeader.Size + cut)..];
            var buffer = new byte[EncryptedImageDecryptor.MaxOutputLength(rest.Length)];
            using var output = new MemoryStream();
            output.Write(buffer, 0, resumed.Update(rest, buffer));
            output.Write(buffer, 0, resumed.Final(buffer));
            Assert.Equal(plain[cut..], output.ToArray());
            Assert.Equal(plain.Length, resumed.PlaintextPosition);
        }, iter: Iterations, writeLine: output.WriteLine);
    }

    [Fact]
    public void Resume_WithADifferentPrefix_FailsTheTagCheck()
    {
        var plain = new byte[5000];
        new Random(3).NextBytes(plain);
        var encrypted = EncryptedImageEncryptor.Encrypt(plain, _keys.RsaPublic);
        var torn = plain[..2500];
        torn[1234] ^= 0x40;
        var resumed = EncryptedImageDecryptor.Resume(_keys.RsaPrivate, encrypted.AsSpan(0, EncryptedImageHeader.Size));
        resumed.Replay(torn);
        var buffer = new byte[EncryptedImageDecryptor.MaxOutputLength(2500)];
        resumed.Update(encrypted.AsSpan(EncryptedImageHeader.Size + 2500), buffer);
        Assert.Equal(EncryptedImageFailure.AuthenticationFailed, Assert.Throws<EncryptedImageException>(() => resumed.Final(buffer)).Failure);
    }

    [Fact]
    public void Replay_AfterCiphertext_IsACallerBug()
    {
        var encrypted = EncryptedImageEncryptor.Encrypt(new byte[100], _keys.EccPublic);
        var decryptor = new EncryptedImageDecryptor(_keys.EccPrivate);
        var buffer = new byte[1000];
        decryptor.Update(encrypted.AsSpan(0, 600), buffer);
        Assert.Throws<InvalidOperationException>(() => decryptor.Replay(new byte[10]));
    }

    [Fact]
    public void Decrypt_LargeImageInSmallChunks_AllocatesOnlyBoundedMemory()
    {
        // 4 MiB through 4 KiB pieces: what a device can afford is a few KB; nothing may grow with the image.
        var plain = new byte[4 << 20];
        new Random(5).NextBytes(plain);
        var encrypted = EncryptedImageEncryptor.Encrypt(plain, _keys.EccPublic);
        var decryptor = new EncryptedImageDecryptor(_keys.EccPrivate);
        var buffer = new byte[EncryptedImageDecryptor.MaxOutputLength(4096)];
        decryptor.Update(encrypted.AsSpan(0, 4096), buffer);
        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int at = 4096; at < encrypted.Length; at += 4096)
        {
            decryptor.Update(encrypted.AsSpan(at, Math.Min(4096, encrypted.Length - at)), buffer);
        }

        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        decryptor.Final(buffer);
        output.WriteLine($"allocated while streaming 4 MiB: {allocated} bytes");
        Assert.True(allocated < 64 * 1024, $"allocated {allocated} bytes while streaming");
    }

    private sealed class ForwardOnlyStream(Stream inner) : Stream
    {
        public override bool CanRead => false;
        public override bool CanSeek => false;
        public override bool CanWrite => true;
        public override long Length => throw new NotSupportedException();
        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }
        public override void Flush() => inner.Flush();
        public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
        public override void Write(byte[] buffer, int offset, int count) => inner.Write(buffer, offset, count);
    }
}
