using EspOta.Flash;

namespace EspOta.Tests.Flash;

public sealed class FaultInjectingFlashTests
{
    [Fact]
    public void Arm_AtOperation_CutsThatWriteOrEraseAndNotReads()
    {
        var inner = new MemoryFlash(0x4000);
        var flash = new FaultInjectingFlash(inner);
        flash.Arm(FaultPlan.AtOperation(2));
        flash.Write(0, [0x00]);
        flash.Read(0, new byte[4]);
        flash.Erase(0x1000, 0x1000);
        var cut = Assert.Throws<PowerLossException>(() => flash.Write(0x10, [0x00, 0x00]));
        Assert.Equal((2L, FlashOperationKind.Write, 0x10L, 0L), (cut.OperationIndex, cut.Operation, cut.Address, cut.CompletedBytes));
        Assert.Equal(0xFF, inner.Contents[0x10]);
        Assert.Equal(0x00, inner.Contents[0]);
    }

    [Fact]
    public void PowerLost_EveryOperationThrows_UntilPowerOn()
    {
        var inner = new MemoryFlash(0x2000);
        var flash = new FaultInjectingFlash(inner);
        flash.Arm(FaultPlan.AtOperation(0));
        Assert.Throws<PowerLossException>(() => flash.Erase(0, 0x1000));
        Assert.True(flash.PowerLost);
        Assert.Throws<PowerLossException>(() => flash.Read(0, new byte[1]));
        Assert.Throws<PowerLossException>(() => flash.Write(0, [0]));
        Assert.Throws<PowerLossException>(() => flash.Erase(0, 0x1000));
        flash.PowerOn();
        flash.Write(0, [0]);
        Assert.Equal(0, inner.Contents[0]);
    }

    [Fact]
    public void Arm_AfterBytesOfWrite_OnlyThosePrefixBytesLand()
    {
        var inner = new MemoryFlash(0x1000);
        var flash = new FaultInjectingFlash(inner);
        flash.Arm(FaultPlan.AtOperation(0, bytesWritten: 3));
        var cut = Assert.Throws<PowerLossException>(() => flash.Write(0x20, [1, 2, 3, 4, 5]));
        Assert.Equal(3, cut.CompletedBytes);
        Assert.Equal([1, 2, 3, 0xFF, 0xFF], inner.Contents.Slice(0x20, 5).ToArray());
    }

    [Fact]
    public void Arm_EraseCut_FinishesSomeSectorsAndLeavesSeededGarbage()
    {
        byte[] RunCut(int seed)
        {
            var inner = new MemoryFlash(0x4000);
            inner.Write(0, new byte[0x4000]);
            var flash = new FaultInjectingFlash(inner);
            flash.Arm(FaultPlan.AtOperation(0, sectorsErased: 1, halfErased: true, seed: seed));
            Assert.Throws<PowerLossException>(() => flash.Erase(0, 0x3000));
            return inner.Contents.ToArray();
        }

        byte[] first = RunCut(7);
        Assert.All(first[..0x1000], b => Assert.Equal(0xFF, b));
        Assert.All(first[0x1000..0x1800], b => Assert.Equal(0xFF, b));
        Assert.Contains(first[0x1800..0x2000], b => b != 0xFF);
        Assert.All(first[0x2000..0x4000], b => Assert.Equal(0x00, b));
        Assert.Equal(first, RunCut(7));
        Assert.NotEqual(first, RunCut(8));
    }

    [Fact]
    public void Arm_EraseCutWithoutGarbage_LeavesUnfinishedSectorsUntouched()
    {
        var inner = new MemoryFlash(0x3000);
        inner.Write(0, new byte[0x3000]);
        var flash = new FaultInjectingFlash(inner);
        flash.Arm(FaultPlan.AtOperation(0, sectorsErased: 2));
        Assert.Throws<PowerLossException>(() => flash.Erase(0, 0x3000));
        Assert.All(inner.Contents[..0x2000].ToArray(), b => Assert.Equal(0xFF, b));
        Assert.All(inner.Contents[0x2000..].ToArray(), b => Assert.Equal(0x00, b));
    }

    [Fact]
    public void Arm_ByteBudgetInRegion_CutsWhenTheRegionBudgetIsSpent()
    {
        var inner = new MemoryFlash(0x4000);
        var flash = new FaultInjectingFlash(inner);
        flash.Arm(FaultPlan.AfterBytesWritten(10, regionStart: 0x1000, regionLength: 0x1000));
        flash.Write(0x0, new byte[100]);
        flash.Write(0x1800, new byte[6]);
        flash.Write(0x2000, new byte[100]);
        var cut = Assert.Throws<PowerLossException>(() => flash.Write(0xFFE, new byte[8]));

        // Two bytes before the region, then the last four of the budget.
        Assert.Equal(6, cut.CompletedBytes);
        Assert.Equal(0x00, inner.Contents[0x1003]);
        Assert.Equal(0xFF, inner.Contents[0x1004]);
        Assert.True(flash.PowerLost);
    }

    [Fact]
    public void OperationCount_CountsWritesAndErases_ResetCountClears()
    {
        var flash = new FaultInjectingFlash(new MemoryFlash(0x2000));
        flash.Write(0, [0]);
        flash.Erase(0, 0x1000);
        flash.Read(0, new byte[1]);
        Assert.Equal(2, flash.OperationCount);
        flash.ResetCount();
        Assert.Equal(0, flash.OperationCount);
        flash.Arm(FaultPlan.AtOperation(5));
        flash.Disarm();
        for (int i = 0; i < 8; i++)
        {
            flash.Write(0x1000 + i, [0]);
        }

        Assert.False(flash.PowerLost);
    }
}
