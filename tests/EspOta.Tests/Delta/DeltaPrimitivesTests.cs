using CsCheck;
using EspOta.Delta;
using Xunit.Abstractions;

namespace EspOta.Tests.Delta;

/// <summary>Size numbers, the suffix array, and the heatshrink encoder against the decoder.</summary>
public sealed class DeltaPrimitivesTests(ITestOutputHelper output)
{
    private const int Iterations = 200;

    [Theory]
    [InlineData(0L, new byte[] { 0x00 })]
    [InlineData(1L, new byte[] { 0x01 })]
    [InlineData(63L, new byte[] { 0x3F })]
    [InlineData(64L, new byte[] { 0x80, 0x01 })]
    [InlineData(-1L, new byte[] { 0x41 })]
    [InlineData(-64L, new byte[] { 0xC0, 0x01 })]
    [InlineData(120432L, new byte[] { 0xB0, 0xD9, 0x0E })]
    public void DetoolsSize_KnownValues_EncodeLikePackSize(long value, byte[] expected)
    {
        Assert.Equal(expected, DetoolsSize.Encode(value));
        Assert.True(DetoolsSize.TryRead(expected, out long back, out int length));
        Assert.Equal(value, back);
        Assert.Equal(expected.Length, length);
    }

    [Fact]
    public void DetoolsSize_AnyLong_RoundTrips()
    {
        Gen.Long.Sample(v =>
        {
            var bytes = DetoolsSize.Encode(v);
            Assert.True(DetoolsSize.TryRead(bytes, out long back, out int length));
            Assert.Equal(v, back);
            Assert.Equal(bytes.Length, length);
            Assert.False(DetoolsSize.TryRead(bytes.AsSpan(0, bytes.Length - 1), out _, out _));
        }, iter: Iterations, writeLine: output.WriteLine);
    }

    [Fact]
    public void SuffixArray_RandomSmallAlphabets_EqualsNaiveSort()
    {
        Gen.Select(Gen.Int[1, 4], Gen.Int[0, 300], Gen.UInt).Sample(t =>
        {
            var (alphabet, length, seed) = t;
            var random = new Random((int)seed);
            var text = new byte[length];
            for (int i = 0; i < length; i++)
            {
                text[i] = (byte)random.Next(alphabet);
            }

            var expected = Enumerable.Range(0, length + 1).ToArray();
            Array.Sort(expected, (a, b) => text.AsSpan(a).SequenceCompareTo(text.AsSpan(b)));
            Assert.Equal(expected, SuffixArray.Build(text));
        }, iter: Iterations, writeLine: output.WriteLine);
    }

    [Theory]
    [InlineData(8, 7)]
    [InlineData(4, 3)]
    [InlineData(10, 5)]
    [InlineData(9, 8)]
    [InlineData(15, 14)]
    public void Heatshrink_EncoderOutput_DecodesToInputInAnySplit(int window, int lookahead)
    {
        var parameters = new HeatshrinkParameters(window, lookahead);
        Gen.Select(Gen.Int[0, 3000], Gen.Int[1, 4], Gen.UInt, Gen.Int[1, 300]).Sample(t =>
        {
            var (length, alphabet, seed, outPiece) = t;
            var random = new Random((int)seed);
            var data = new byte[length];
            for (int i = 0; i < length; i++)
            {
                data[i] = random.Next(4) == 0 ? (byte)random.Next(256) : (byte)random.Next(alphabet);
            }

            var packed = HeatshrinkEncoder.Compress(data, parameters);
            var decoder = new HeatshrinkDecoder(parameters);
            var result = new List<byte>();
            var buffer = new byte[outPiece];
            foreach (byte b in packed)
            {
                Assert.True(decoder.Sink(b));
                int n;
                while ((n = decoder.Poll(buffer)) > 0)
                {
                    result.AddRange(buffer.AsSpan(0, n).ToArray());
                }
            }

            Assert.Equal(data, result.Take(data.Length).ToArray());
            Assert.Equal(data.Length, result.Count);
            Assert.True(decoder.IsFinished);
        }, iter: 60, writeLine: output.WriteLine);
    }

    [Fact]
    public void HeatshrinkParameters_HeaderByte_RoundTrips()
    {
        Assert.Equal(0x44, HeatshrinkParameters.EspDeltaOta.ToHeaderByte());
        Assert.Equal(new HeatshrinkParameters(10, 5), HeatshrinkParameters.FromHeaderByte(0x62));
        Assert.False(new HeatshrinkParameters(8, 8).IsSupported);
        Assert.False(new HeatshrinkParameters(16, 4).IsSupported);
    }
}
