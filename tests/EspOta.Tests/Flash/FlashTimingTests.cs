using EspOta.Boot;
using EspOta.Device;
using EspOta.Flash;
using EspOta.Images;
using EspOta.Partitions;
using EspOta.Updates;
using Xunit.Abstractions;

namespace EspOta.Tests.Flash;

/// <summary>The datasheet flash timing model and the flash that adds it up.</summary>
public sealed class FlashTimingTests(ITestOutputHelper output)
{
    private static readonly FlashTiming Chip = FlashTiming.W25Q32JV;

    [Fact]
    public void Erase_AlignedRangeUsesBlocks_RestSectors()
    {
        // 0x10000..0x31000: two 64 KiB blocks and one 4 KiB sector (esp_flash_erase_region).
        var t = Chip.Erase(0x10000, 0x21000);
        Assert.InRange(t.Typical.TotalMilliseconds, (2 * 150) + 45, (2 * 150) + 45 + 0.1);
        Assert.InRange(t.Maximum.TotalMilliseconds, (2 * 2000) + 400, (2 * 2000) + 400 + 0.1);

        // Not block-aligned: sectors only.
        var unaligned = Chip.Erase(0x11000, 0x10000);
        Assert.InRange(unaligned.Typical.TotalMilliseconds, 16 * 45, (16 * 45) + 0.1);
    }

    [Fact]
    public void Program_SplitsAtPagesInto64ByteCommands()
    {
        // 4096 aligned bytes = 64 commands of 64 bytes: busy 30 + 63 × 2.5 µs each, plus the bus time.
        var t = Chip.Program(0x10000, 4096);
        double busyUs = 64 * (30 + (63 * 2.5));
        double busUs = 64 * (8 + 8 + 24 + (64 * 8)) / 40.0;
        Assert.InRange(t.Typical.TotalMicroseconds, busyUs + busUs - 1, busyUs + busUs + 1);
        // Max: 50 + 63 × 12 µs per command (below tPP max 3 ms).
        Assert.InRange(t.Maximum.TotalMicroseconds, (64 * (50 + (63 * 12))) + busUs - 1, (64 * (50 + (63 * 12))) + busUs + 1);

        // 32 bytes across a page boundary are two commands.
        Assert.True(Chip.Program(0xF0, 32).Typical > Chip.Program(0x100, 32).Typical);
    }

    [Fact]
    public void Read_DioAt40MHz_About10MBps()
    {
        var t = Chip.Read(1024 * 1024);
        double seconds = t.Typical.TotalSeconds;
        output.WriteLine($"1 MiB read: {seconds * 1000:0.0} ms");
        // Data alone: 1 MiB × 4 clocks at 40 MHz = 104.9 ms; plus 24 clocks per 64-byte transaction.
        Assert.InRange(seconds, 0.1048, 0.1048 + (16384 * 24 / 40e6) + 0.0001);
        Assert.True((Chip with { ReadLines = 4, ClockHz = 80_000_000 }).Read(1024 * 1024).Typical < t.Typical / 3);
    }

    [Fact]
    public void TimedFlash_FullOta_AddsUpEraseWriteAndThreeVerifications()
    {
        // A 1.5 MiB image into a 0x180000 slot: what ota apply --estimate runs.
        var image = new AppImageBuilder(EspOta.Images.Chip.Esp32).WithPayload((1536 * 1024) - 0x200).Build();
        var table = PartitionTable.FromCsv(
            "nvs,data,nvs,0x9000,0x4000,\notadata,data,ota,0xd000,0x2000,\nphy_init,data,phy,0xf000,0x1000,\n" +
            "factory,app,factory,0x10000,0x80000,\nota_0,app,ota_0,0x90000,0x180000,\nota_1,app,ota_1,0x210000,0x180000,\n");
        var flash = new MemoryFlash(4 * 1024 * 1024);
        flash.Write(0x8000, table.ToBinary());
        flash.Write(0x10000, new AppImageBuilder(EspOta.Images.Chip.Esp32).WithPayload(1000).Build());
        var timed = new TimedFlash(flash);
        var device = EspDevice.Open(timed);
        Assert.False(device.Reboot().IsReset);
        timed.Reset();

        var ota = device.Ota;
        var target = ota.GetNextUpdatePartition()!;
        using (var update = ota.Begin(target, OtaImageSize.Of(image.Length)))
        {
            for (int at = 0; at < image.Length; at += 4096)
            {
                update.Write(image.AsSpan(at, Math.Min(4096, image.Length - at)));
            }

            update.End();
        }

        ota.SetBootPartition(target);
        Assert.Equal("ota_0", device.Reboot().Booted!.Label);
        output.WriteLine($"erase {timed.EraseTime}; program {timed.ProgramTime}; read {timed.ReadTime}; total {timed.Elapsed}");

        // Erase: 24 blocks of 64 KiB (the slot is block-aligned) plus the otadata sector.
        Assert.InRange(timed.EraseTime.Typical.TotalSeconds, (24 * 0.150) + 0.045, (24 * 0.150) + 0.045 + 0.01);
        // Program: at least the image bytes' busy time.
        Assert.True(timed.ProgramTime.Typical >= Chip.Program(target.Offset, image.Length).Typical);
        // Reads: esp_ota_end, esp_ota_set_boot_partition and the bootloader each verify the whole image.
        Assert.True(timed.ReadTime.Typical >= Chip.Read(image.Length).Typical * 3, $"{timed.ReadTime} < 3 × {Chip.Read(image.Length)}");
    }
}
