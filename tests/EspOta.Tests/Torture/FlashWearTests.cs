using System.Text.Json;
using EspOta.Cli;
using EspOta.Torture;
using EspOta.Tests.Shared;

namespace EspOta.Tests.Torture;

/// <summary><c>esp-ota torture --wear N</c>: erase counts of N real OTA cycles on the default layout.</summary>
public sealed class FlashWearTests
{
    [Fact]
    public void Run_RollbackOff_OtadataSectorsTakeOneErasePerOta_SlotsHalf()
    {
        var report = FlashWear.Run(40);
        var otadata = report.Sectors.Single(s => s.Partition == "otadata");
        // Set boot erases the inactive sector, mark valid rewrites that (now active) sector: 2 per OTA over 2 sectors.
        Assert.Equal((0xD000, 2, 40), (otadata.Address, otadata.Sectors, otadata.EraseCount));
        foreach (string slot in new[] { "ota_0", "ota_1" })
        {
            var run = report.Sectors.Single(s => s.Partition == slot);
            // esp_ota_begin erases the image's 64 KiB (16 sectors) of every other OTA's slot.
            Assert.Equal((16, 20), (run.Sectors, run.EraseCount));
        }

        Assert.DoesNotContain(report.Sectors, s => s.Partition is "nvs" or "phy_init" or "factory" or "");
        Assert.Equal("otadata", report.Busiest.Partition);
        Assert.Equal(100_000, report.PredictedOtasToRatedCycles);
        Assert.Equal((2 * 40) + (16 * 40), report.TotalSectorErases);
    }

    [Fact]
    public void Run_RollbackOn_OtadataTakesTwoErasesPerOtaAndHalvesTheLife()
    {
        var report = FlashWear.Run(40, rollback: true, ratedCycles: 10_000);
        var otadata = report.Sectors.Single(s => s.Partition == "otadata");
        // Four otadata erases per OTA over 2 sectors: esp_ota_begin invalidates the inactive entry
        // (esp_ota_invalidate_inactive_ota_data_slot), set boot writes NEW, the bootloader rewrites it
        // PENDING_VERIFY, mark valid rewrites it VALID. The first two OTAs' begin finds no previous OTA
        // app to invalidate (the factory app ran before), hence 4 × 40 − 2 = 158 = 2 × 79.
        Assert.Equal(2, otadata.Sectors);
        Assert.Equal(79, otadata.EraseCount);
        Assert.Equal(10_000 * 40 / 79, report.PredictedOtasToRatedCycles);
    }

    [Fact]
    public void Cli_Wear_JsonAndUsage()
    {
        var stdout = new StringWriter();
        Assert.Equal(0, CliRunner.Run(["torture", "--wear", "10", "--image-size", "8K", "--rated-cycles", "1000", "--json"], stdout, new StringWriter()));
        using var doc = JsonDocument.Parse(stdout.ToString());
        Assert.Equal(1000, doc.RootElement.GetProperty("predicted_otas_to_rated_cycles").GetInt64());
        Assert.Equal(0xD000, doc.RootElement.GetProperty("busiest_address").GetInt64());
        Assert.Equal(2, doc.RootElement.GetProperty("sectors").EnumerateArray().Single(s => s.GetProperty("partition").GetString() == "ota_0").GetProperty("sectors").GetInt32());

        Assert.Equal(ExitCodes.Usage, CliRunner.Run(["torture", "--wear", "0"], new StringWriter(), new StringWriter()));
        Assert.Equal(ExitCodes.Usage, CliRunner.Run(["torture", "--wear", "5", "--image-size", "2M"], new StringWriter(), new StringWriter()));
    }
}
