using System.Buffers.Binary;
using System.Text;
using EspOta.Images;
using EspOta.Security;

namespace EspOta.Tests.Images;

/// <summary>Known answers for the checksum homes and the small codecs.</summary>
public sealed class ImageFormatPrimitivesTests
{
    [Fact]
    public void Crc32_CheckString_KnownAnswer() =>
        Assert.Equal(0xCBF43926u, Crc32.Compute(Encoding.ASCII.GetBytes("123456789")));

    [Fact]
    public void Crc32_Append_SameAsWhole()
    {
        var data = Enumerable.Range(0, 1000).Select(i => (byte)(i * 7)).ToArray();
        Assert.Equal(Crc32.Compute(data), Crc32.Append(Crc32.Compute(data.AsSpan(0, 333)), data.AsSpan(333)));
    }

    [Fact]
    public void ImageChecksum_AnyLength_EqualsByteXor()
    {
        var rng = new Random(20261124);
        for (int n = 0; n < 600; n += 7)
        {
            var data = new byte[n];
            rng.NextBytes(data);
            byte expected = 0xEF;
            foreach (var b in data)
            {
                expected ^= b;
            }

            Assert.Equal(expected, ImageChecksum.Compute(data));
        }
    }

    [Theory]
    [InlineData(0x18, 0x1F)]
    [InlineData(0x1F, 0x1F)]
    [InlineData(0x20, 0x2F)]
    public void ImageChecksum_Offset_SitsAtFifteenModSixteen(long end, long offset) =>
        Assert.Equal(offset, ImageChecksum.OffsetAfter(end));

    [Fact]
    public void Headers_RoundTrip_ByteForByte()
    {
        var bytes = Enumerable.Range(0, 24).Select(i => (byte)(i * 37 + 1)).ToArray();
        var common = ImageHeader.Read(bytes);
        var ext = ExtendedImageHeader.Read(bytes.AsSpan(8));
        var written = new byte[24];
        common.WriteTo(written);
        ext.WriteTo(written.AsSpan(8));
        Assert.Equal(bytes, written);
    }

    [Fact]
    public void SignatureBlock_ValidCrc_CountsConsecutiveBlocks()
    {
        var sector = Enumerable.Repeat((byte)0xFF, SignatureSector.Size).ToArray();
        for (int i = 0; i < 2; i++)
        {
            var block = sector.AsSpan(i * SignatureBlockV2.Size, SignatureBlockV2.Size);
            block.Clear();
            block[0] = SignatureBlockV2.MagicByte;
            block[1] = SignatureBlockV2.VersionEcdsa;
            block[36] = 2;
            BinaryPrimitives.WriteUInt32LittleEndian(block[1196..], Crc32.Compute(block[..1196]));
        }

        var blocks = SignatureSector.ReadLeadingBlocks(sector);
        Assert.Equal(2, blocks.Count);
        Assert.Equal(blocks.Select(b => b.ToArray()), SignatureSector.Read(sector).LeadingBlocks.Select(b => b.ToArray()));
        Assert.Equal(SignatureBlockV2.VersionEcdsa, blocks[0].Version);
        Assert.Equal((byte)2, blocks[0].Body.Span[32]);
        Assert.Equal(SignatureScheme.EcdsaP256, SignatureBlockContents.Decode(blocks[0]).Scheme);

        // A sector cut inside the second block: only the first counts.
        Assert.Single(SignatureSector.ReadLeadingBlocks(sector.AsSpan(0, (2 * SignatureBlockV2.Size) - 1)));
        sector[5] ^= 1;
        Assert.Empty(SignatureSector.ReadLeadingBlocks(sector));
    }

    [Fact]
    public void BootloaderDescription_Fields_AtTheirOffsets()
    {
        var raw = new byte[80];
        raw[0] = 0x50;
        raw[3] = 7;
        BinaryPrimitives.WriteUInt32LittleEndian(raw.AsSpan(4), 3);
        Encoding.ASCII.GetBytes("v5.5.5").CopyTo(raw, 8);
        Encoding.ASCII.GetBytes("Nov 24 2026 06:00:00").CopyTo(raw, 40);
        var d = BootloaderDescription.Read(raw);
        Assert.True(d.HasValidMagic);
        Assert.Equal((byte)7, d.SecureVersion);
        Assert.Equal(3u, d.Version);
        Assert.Equal("v5.5.5", d.IdfVersion);
        Assert.Equal("Nov 24 2026 06:00:00", d.DateTime);
    }

    [Fact]
    public void ImageSegment_Length_PaddedByAddressInHeaderEvenWhenMoved()
    {
        var segment = new ImageSegment(0, 0x40201010, 13, 8);
        Assert.Equal(16, segment.Length);
        Assert.Equal(16, (segment with { LoadAddress = 0 }).Length);
        Assert.Equal(13, new ImageSegment(0, 0, 13, 8).Length);
    }
}
