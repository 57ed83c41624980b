using EspOta.Flash;

namespace EspOta.Tests.Flash;

public sealed class MemoryFlashTests
{
    [Fact]
    public void Write_StrictSettingABit_ThrowsNamingAddressAndLeavesFlashUnchanged()
    {
        var flash = new MemoryFlash(0x2000);
        flash.Write(0x100, [0x0F, 0x0F, 0x0F]);
        byte[] before = flash.Contents.ToArray();

        // The first two bytes only clear bits; the third would set bit 4 of 0x0F.
        var error = Assert.Throws<FlashProgramException>(() => flash.Write(0x100, [0x0F, 0x01, 0x1F]));
        Assert.Equal(0x102, error.Address);
        Assert.Equal(0x0F, error.Current);
        Assert.Equal(0x1F, error.Requested);
        Assert.Equal(before, flash.Contents.ToArray());
    }

    [Fact]
    public void Write_NonStrict_AndsLikeNor()
    {
        var flash = new MemoryFlash(0x1000, strict: false);
        flash.Write(0, [0x3C]);
        flash.Write(0, [0xF0]);
        Assert.Equal(0x30, flash.Contents[0]);
    }

    [Fact]
    public void Write_LongBuffer_VectorPathMatchesByteRule()
    {
        var flash = new MemoryFlash(0x1000, strict: false);
        var random = new Random(1234);
        byte[] a = new byte[1000];
        byte[] b = new byte[1000];
        random.NextBytes(a);
        random.NextBytes(b);
        flash.Write(7, a);
        flash.Write(7, b);
        for (int i = 0; i < a.Length; i++)
        {
            Assert.Equal((byte)(a[i] & b[i]), flash.Contents[7 + i]);
        }
    }

    [Theory]
    [InlineData(-1L, 1)]
    [InlineData(0x1000L, 1)]
    [InlineData(0xFFFL, 2)]
    public void ReadWrite_OutsideChip_Throws(long address, int length)
    {
        var flash = new MemoryFlash(0x1000);
        Assert.Throws<ArgumentOutOfRangeException>(() => flash.Read(address, new byte[length]));
        Assert.Throws<ArgumentOutOfRangeException>(() => flash.Write(address, new byte[length]));
    }

    [Theory]
    [InlineData(0x800L, 0x1000L)]
    [InlineData(0x0L, 0x800L)]
    public void Erase_Unaligned_Throws(long address, long length)
    {
        var flash = new MemoryFlash(0x4000);
        Assert.Throws<ArgumentException>(() => flash.Erase(address, length));
    }

    [Fact]
    public void Erase_Sector_SetsOnesAndCountsWear()
    {
        var flash = new MemoryFlash(0x4000);
        flash.Write(0x1000, new byte[0x2000]);
        flash.Erase(0x1000, 0x1000);
        Assert.True(flash.Contents.Slice(0x1000, 0x1000).IndexOfAnyExcept((byte)0xFF) < 0);
        Assert.True(flash.Contents.Slice(0x2000, 0x1000).IndexOfAnyExcept((byte)0x00) < 0);
        flash.Erase(0x1000, 0x2000);
        Assert.Equal([0, 2, 1, 0], flash.Statistics.EraseCounts.ToArray());
        Assert.Equal(2, flash.Statistics.MaxEraseCount);
    }

    [Fact]
    public void Statistics_CountOperationsAndBytes_ResetClears()
    {
        var flash = new MemoryFlash(0x3000);
        flash.Read(0, new byte[10]);
        flash.Read(5, new byte[6]);
        flash.Write(0, new byte[100]);
        flash.Erase(0, 0x3000);
        var s = flash.Statistics;
        Assert.Equal((2L, 16L, 1L, 100L, 1L, 3L), (s.Reads, s.BytesRead, s.Writes, s.BytesWritten, s.Erases, s.SectorsErased));
        s.Reset();
        Assert.Equal((0L, 0L, 0L, 0), (s.Reads, s.Writes, s.Erases, s.MaxEraseCount));
    }

    [Fact]
    public void Clone_And_RestoreFrom_CopyContents()
    {
        var flash = new MemoryFlash(0x1000);
        flash.Write(0, [1, 2, 3]);
        var copy = flash.Clone();
        flash.Erase(0, 0x1000);
        Assert.Equal([1, 2, 3], copy.Contents[..3].ToArray());
        flash.RestoreFrom(copy);
        Assert.Equal([1, 2, 3], flash.Contents[..3].ToArray());
    }
}
