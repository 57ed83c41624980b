using EspOta.Flash;
using EspOta.Images;
using EspOta.Torture;

namespace EspOta.Tests.Torture;

public sealed class BootloaderTortureTests
{
    private const int Seed = 20261124;

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Run_BootloaderCopyWithoutRecovery_FindsTheUnsafeWindowAndItsSize(bool rollback)
    {
        var report = TortureEngine.Run(BootloaderTortureScenarios.BootloaderOta, new TortureOptions { Rollback = rollback, Seed = Seed });

        var window = Assert.Single(report.Findings);
        Assert.True(window.IsKnownEspIdfBehaviour);
        Assert.Equal(TortureViolationKind.NoAppBoots, window.Kind);
        // esp_partition_copy over the 32 KiB primary region of the ESP32-C3: one erase, one program of 0x8000.
        Assert.Equal(2, window.Operations);
        Assert.Equal(2 * 0x8000, window.Bytes);
        Assert.Equal(window.FirstOperation + 1, window.LastOperation);
        Assert.Equal(FlashOperationKind.Erase, window.First.Cut.Operation.Kind);
        Assert.Equal(0L, window.First.Cut.Operation.Address);
        Assert.Contains("no loadable bootloader at 0x0", window.First.Detail);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Run_BootloaderUpdateWithRomRecovery_ClosesTheWindow(bool rollback)
    {
        int primaryBroken = 0;
        var report = TortureEngine.Run(BootloaderTortureScenarios.BootloaderOtaRecovery, new TortureOptions
        {
            Rollback = rollback,
            Seed = Seed,
            CutObserver = (_, flash) =>
            {
                if (!SecondStageCheck.Verify(MemoryFlash.FromImage(flash), Chip.Esp32C5).IsValid)
                {
                    primaryBroken++;
                }
            },
        });

        // Cuts did leave the primary bootloader unloadable (its erase and every program but the last), and every
        // such boot went through the recovery copy to the confirmed app.
        Assert.True(primaryBroken >= 10, $"only {primaryBroken} cut(s) broke the primary bootloader");
        Assert.Empty(report.Findings);
        Assert.Equal(0, report.ViolationCount);
    }

    [Fact]
    public void Run_PartitionTableCopy_FindsTheUnsafeWindow()
    {
        var report = TortureEngine.Run(BootloaderTortureScenarios.PartitionTableOta, new TortureOptions { Seed = Seed });

        var window = Assert.Single(report.Findings);
        Assert.True(window.IsKnownEspIdfBehaviour);
        Assert.Equal(2, window.Operations);
        Assert.Equal(2 * 0x1000, window.Bytes);
        Assert.Contains("partition table", window.First.Detail);
    }
}
