using EspOta.Flash;
using EspOta.Http;

namespace EspOta.Tests.Http;

public sealed class FlashOtaCheckpointStoreTests
{
    private const long Region = 0x9000;
    private const long RegionSize = 0x4000;
    private static readonly string Sha = new('a', 64);

    private static MemoryFlash NewFlash()
    {
        var flash = new MemoryFlash(0x10000);
        flash.Erase(0, flash.Size);
        return flash;
    }

    private static OtaCheckpoint At(long bytes, byte[]? state = null) =>
        new(Sha, "ota_1", bytes) { BodyOffset = state is null ? null : bytes + 512, StageState = state };

    [Fact]
    public void SaveLoadClear_RoundTripsEveryFieldAndForgets()
    {
        var flash = NewFlash();
        var store = new FlashOtaCheckpointStore(flash, Region, RegionSize);
        Assert.Null(store.Load());

        store.Save(At(4096, [1, 2, 3, 0xFF]));
        var loaded = new FlashOtaCheckpointStore(flash, Region, RegionSize).Load();

        Assert.NotNull(loaded);
        Assert.Equal(Sha, loaded.Sha256);
        Assert.Equal("ota_1", loaded.PartitionLabel);
        Assert.Equal(4096, loaded.BytesWritten);
        Assert.Equal(4096 + 512, loaded.BodyOffset);
        Assert.Equal(new byte[] { 1, 2, 3, 0xFF }, loaded.StageState);
        store.Clear();
        Assert.Null(store.Load());
    }

    [Fact]
    public void Save_ManyTimes_WrapsRoundTheRingAndKeepsTheNewest()
    {
        var flash = NewFlash();
        var store = new FlashOtaCheckpointStore(flash, Region, RegionSize);
        for (int i = 1; i <= 1000; i++)
        {
            store.Save(At(i * 256L));
            Assert.Equal(i * 256L, store.Load()!.BytesWritten);
        }

        // 1000 records of 128 bytes went round four sectors several times, one erase per sector filled.
        Assert.InRange(flash.Statistics.Erases, 1000 * 128 / 0x1000 - 1, 1000 * 128 / 0x1000 + 4);
    }

    [Fact]
    public void Save_CutAtEveryByteAndInEveryErase_LeavesThePreviousCheckpointOrTheNew()
    {
        var seen = new HashSet<long>();
        for (int op = 0; ; op++)
        {
            bool reached = false;
            foreach (var (bytes, sectors, half) in new[] { (0, 0, false), (1, 0, false), (64, 0, false), (127, 0, false), (0, 0, true) })
            {
                var flash = NewFlash();
                var faults = new FaultInjectingFlash(flash);
                var store = new FlashOtaCheckpointStore(faults, Region, RegionSize);
                for (int i = 1; i <= 40; i++)
                {
                    store.Save(At(i * 1024L));
                }

                long before = store.Load()!.BytesWritten;
                faults.ResetCount();
                faults.Arm(FaultPlan.AtOperation(op, bytes, sectors, half, seed: 7));
                try
                {
                    for (int i = 41; i <= 80; i++)
                    {
                        store.Save(At(i * 1024L));
                        before = i * 1024L;
                    }

                    continue;
                }
                catch (PowerLossException)
                {
                    reached = true;
                }

                // After the power returns: the last completed save, or the one being written if it was complete in effect.
                var after = new FlashOtaCheckpointStore(flash, Region, RegionSize).Load();
                Assert.NotNull(after);
                Assert.True(after.BytesWritten == before || after.BytesWritten == before + 1024, $"op {op} cut ({bytes}, {half}): {after.BytesWritten} after {before}");
                seen.Add(after.BytesWritten - before);

                // And it goes on saving from there.
                var again = new FlashOtaCheckpointStore(flash, Region, RegionSize);
                again.Save(At(999 * 1024L));
                Assert.Equal(999 * 1024L, again.Load()!.BytesWritten);
            }

            if (!reached)
            {
                break;
            }
        }

        Assert.Contains(0L, seen);
    }

    [Fact]
    public void Constructor_RegionOfOneSectorOrUnaligned_Throws()
    {
        var flash = NewFlash();
        Assert.Throws<ArgumentOutOfRangeException>(() => new FlashOtaCheckpointStore(flash, Region, 0x1000));
        Assert.Throws<ArgumentOutOfRangeException>(() => new FlashOtaCheckpointStore(flash, Region + 1, RegionSize));
    }
}
