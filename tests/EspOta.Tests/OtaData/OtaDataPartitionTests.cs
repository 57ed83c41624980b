using CsCheck;
using EspOta.Flash;
using EspOta.OtaData;
using EspOta.Partitions;

namespace EspOta.Tests.OtaData;

public sealed class OtaDataPartitionTests
{
    private static readonly Partition OtaData = new("otadata", PartitionType.Data, PartitionSubtypes.DataOta, 0xD000, 0x2000);

    [Fact]
    public void TryComputeNextSequence_ActiveNearWrap_CanReturnEmptySequence()
    {
        // seq-A-n2-0052: active 0xFFFFFFFE, target ota_0 of 2 slots -> 0xFFFFFFFF.
        Assert.True(OtaDataPartition.TryComputeNextSequence(0xFFFFFFFE, 0, 2, out uint seq));
        Assert.Equal(0xFFFFFFFFu, seq);
    }

    [Fact]
    public void TryComputeNextSequence_SixteenSlotsAt0xFFFFFFFE_HangsExceptOta13And14()
    {
        // story-*-seq-search-hang-n16: every target hangs except ota_13 and ota_14.
        for (int target = 0; target < 16; target++)
        {
            bool ends = OtaDataPartition.TryComputeNextSequence(0xFFFFFFFE, target, 16, out _);
            Assert.Equal(target is 13 or 14, ends);
        }
    }

    [Fact]
    public void TryComputeNextSequence_OddCountPastEveryLap_FindsValueAfterWrapArithmetically()
    {
        // With 3 slots, s = 0xFFFFFFFF and c = 2, only 2 + 3i = 2 * 2^32 + 0xFFFFFFFF reaches it:
        // i = 0xFFFFFFFF, the very last value of the u32 counter, after two wraps.
        Assert.True(OtaDataPartition.TryComputeNextSequence(0xFFFFFFFF, 1, 3, out uint seq));
        Assert.Equal(0xFFFFFFFFu, seq);
    }

    [Fact]
    public void TryComputeNextSequence_SmallActiveSequences_MatchesTheCLoop()
    {
        Gen.Select(Gen.UInt[0, 200_000], Gen.Int[1, 16]).SelectMany((s, n) => Gen.Int[0, n - 1].Select(t => (s, n, t))).Sample(c =>
        {
            uint i = 0;
            uint candidate;
            while (c.s > (candidate = (uint)((c.t + 1) % c.n) + i * (uint)c.n))
            {
                i++;
            }

            Assert.True(OtaDataPartition.TryComputeNextSequence(c.s, c.t, c.n, out uint seq));
            Assert.Equal(candidate, seq);
        }, iter: 500, seed: "0dZ0tlzGh4i1");
    }

    [Fact]
    public void Select_EqualSequences_TieGoesToCopyZero()
    {
        var entries = new[] { OtaSelectEntry.Create(2, OtaImageState.New), OtaSelectEntry.Create(2, OtaImageState.Valid) };

        Assert.Equal(0, OtaDataPartition.ActiveIndex(entries));
        Assert.Equal(0, OtaDataPartition.Select(entries, true, true, max: false));
    }

    [Fact]
    public void Write_Copy1_ErasesSectorThenProgramsOnly32Bytes()
    {
        var flash = new MemoryFlash(0x20000);
        flash.Write(0xE000 + 100, [0x00]);
        var otadata = new OtaDataPartition(flash, OtaData);
        flash.Statistics.Reset();

        otadata.Write(1, OtaSelectEntry.Create(3, OtaImageState.Valid));

        Assert.Equal(1, flash.Statistics.Erases);
        Assert.Equal(32, flash.Statistics.BytesWritten);
        Assert.Equal(0xFF, flash.Contents[0xE000 + 100]);
        Assert.Equal(OtaSelectEntry.Create(3, OtaImageState.Valid), otadata.Read(1));
        Assert.Equal(OtaSelectEntry.Erased, otadata.Read(0));
    }

    [Fact]
    public void Constructor_NotOtaData_Throws()
    {
        Assert.Throws<ArgumentException>(() => new OtaDataPartition(new MemoryFlash(0x20000), OtaData with { Subtype = PartitionSubtypes.DataNvs }));
    }
}
