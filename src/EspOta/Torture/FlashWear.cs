using EspOta.Boot;
using EspOta.Device;
using EspOta.Flash;
using EspOta.Images;
using EspOta.Partitions;
using EspOta.Updates;

namespace EspOta.Torture;

/// <summary>
/// N consecutive OTAs on ESP-IDF's default two-OTA layout (components/partition_table/partitions_two_ota.csv:
/// nvs, otadata, phy_init, factory, ota_0, ota_1), each one the whole cycle an app does —
/// <c>esp_ota_begin</c>, writes, <c>esp_ota_end</c>, <c>esp_ota_set_boot_partition</c>, reboot,
/// <c>esp_ota_mark_app_valid_cancel_rollback</c> — counting every erase per sector (<see cref="FlashStatistics"/>).
/// </summary>
public static class FlashWear
{
    /// <summary>What NOR parts in ESP32 modules are rated for (e.g. W25Q32JV: 100,000 program/erase cycles per sector).</summary>
    public const int DefaultRatedCycles = 100_000;

    /// <summary>ESP-IDF's default OTA table (offsets filled in as gen_esp32part does).</summary>
    public const string DefaultLayoutCsv = """
        nvs,      data, nvs,     ,        0x4000,
        otadata,  data, ota,     ,        0x2000,
        phy_init, data, phy,     ,        0x1000,
        factory,  app,  factory, ,        1M,
        ota_0,    app,  ota_0,   ,        1M,
        ota_1,    app,  ota_1,   ,        1M,
        """;

    private const long FlashSize = 4 * 1024 * 1024;
    private const int ChunkSize = 4096;
    private const int ImageOverhead = 0x200;

    /// <summary>Runs <paramref name="otas"/> OTAs and reports the wear.</summary>
    /// <param name="otas">Consecutive OTAs (each rebooted into and confirmed).</param>
    /// <param name="imageSize">Bytes of each app image (at most the 1 MiB slot).</param>
    /// <param name="rollback">CONFIG_BOOTLOADER_APP_ROLLBACK_ENABLE (the bootloader then rewrites otadata on the first boot too).</param>
    /// <param name="ratedCycles">Erase cycles a sector is rated for.</param>
    public static FlashWearReport Run(int otas, long imageSize = 64 * 1024, bool rollback = false, int ratedCycles = DefaultRatedCycles)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(otas);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(ratedCycles);
        ArgumentOutOfRangeException.ThrowIfLessThan(imageSize, 2L * ImageOverhead);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(imageSize, 1024L * 1024);

        var table = PartitionTable.FromCsv(DefaultLayoutCsv);
        var flash = new MemoryFlash(FlashSize);
        flash.Write(PartitionTable.DefaultOffset, table.ToBinary());
        var factory = table.FindFirst(label: "factory")!;
        flash.Write(factory.Offset, Image(imageSize, "factory"));
        var device = EspDevice.Open(flash, new BootOptions { Rollback = rollback }, validator: EspImageValidator.ForChip(Chip.Esp32));
        if (device.Reboot().IsReset)
        {
            throw new InvalidOperationException("the factory app does not boot");
        }

        // Only the OTAs count: the setup's writes are esptool's, not the device's.
        flash.Statistics.Reset();
        var images = new[] { Image(imageSize, "a"), Image(imageSize, "b") };
        for (int i = 0; i < otas; i++)
        {
            var image = images[i % 2];
            var ota = device.Ota;
            var target = ota.GetNextUpdatePartition() ?? throw new InvalidOperationException("no OTA slot");
            using (var update = ota.Begin(target, OtaImageSize.Of(image.Length)))
            {
                for (int at = 0; at < image.Length; at += ChunkSize)
                {
                    update.Write(image.AsSpan(at, Math.Min(ChunkSize, image.Length - at)));
                }

                update.End();
            }

            ota.SetBootPartition(target);
            var boot = device.Reboot();
            if (boot.Booted?.Label != target.Label)
            {
                throw new InvalidOperationException($"OTA {i + 1}: booted {boot.Booted?.Label ?? "nothing"}, expected {target.Label}");
            }

            device.Ota.MarkAppValidCancelRollback();
        }

        return Report(flash, table, otas, imageSize, rollback, ratedCycles);
    }

    private static FlashWearReport Report(MemoryFlash flash, PartitionTable table, int otas, long imageSize, bool rollback, int ratedCycles)
    {
        var counts = flash.Statistics.EraseCounts;
        var runs = new List<SectorWear>();
        for (int s = 0; s < counts.Length;)
        {
            if (counts[s] == 0)
            {
                s++;
                continue;
            }

            string label = LabelAt(table, (long)s * flash.SectorSize);
            int start = s;
            while (s < counts.Length && counts[s] == counts[start] && LabelAt(table, (long)s * flash.SectorSize) == label)
            {
                s++;
            }

            runs.Add(new SectorWear((long)start * flash.SectorSize, s - start, label, counts[start], counts[start] / (double)otas));
        }

        var busiest = runs.Count == 0 ? new SectorWear(0, 0, "", 0, 0) : runs.MaxBy(r => r.EraseCount)!;
        return new FlashWearReport
        {
            Otas = otas,
            ImageSize = imageSize,
            Rollback = rollback,
            RatedCycles = ratedCycles,
            Sectors = runs,
            Busiest = busiest,
            TotalSectorErases = flash.Statistics.SectorsErased,
        };
    }

    private static string LabelAt(PartitionTable table, long address) =>
        table.Partitions.FirstOrDefault(p => address >= p.Offset && address < p.End)?.Label ?? "";

    private static byte[] Image(long size, string version) =>
        new AppImageBuilder(Chip.Esp32).WithProject("esp-ota-wear").WithVersion(version).WithPayload((int)(size - ImageOverhead)).Build();
}
