using EspOta.Images;
using EspOta.Layout;
using EspOta.Partitions;
using EspOta.Updates;

namespace EspOta.Torture;

/// <summary>
/// What ESP-IDF calls the unsafe update mode (docs/en/api-reference/system/ota.rst; the partitions_ota example):
/// a second-stage bootloader or a partition table written to a staging partition and copied over the primary one
/// by <c>esp_ota_end</c> (<c>esp_ota_set_final_partition(..., finalize_with_copy = true)</c>), and the safe
/// bootloader update of chips whose ROM has the recovery bootloader. Every boot after a cut starts with the ROM.
/// </summary>
public static class BootloaderTortureScenarios
{
    private const int ChunkSize = 4096;

    /// <summary>ESP32-C3 (no recovery bootloader): bootloader-2 staged in ota_1, copied over the primary bootloader at 0x0.</summary>
    public static TortureScenario BootloaderOta { get; } = new TortureScenario(
        "bootloader-ota",
        "ESP32-C3, bootloader-1 at 0x0, app-0 runs; esp_ota_begin(ota_1) + esp_ota_set_final_partition(PrimaryBTLDR, copy), write bootloader-2, esp_ota_end (verify, esp_partition_copy over 0x0), reboot",
        s =>
        {
            s.InstallBootloader("bootloader-1");
            TortureScenarios.InitialApp(s);
        },
        s =>
        {
            Stage(s, s.PrimaryBootloader, s.BootloaderImage("bootloader-2"));
            s.Boot();
        })
    {
        RomBoot = true,
    };

    /// <summary>
    /// ESP32-C5 with <c>CONFIG_BOOTLOADER_RECOVERY_ENABLE</c>: the recovery offset is burned, the running bootloader
    /// backed up there, then bootloader-2 is written straight into the primary region (the example's safe update).
    /// </summary>
    public static TortureScenario BootloaderOtaRecovery { get; } = new TortureScenario(
        "bootloader-ota-recovery",
        "ESP32-C5, bootloader-1 at 0x2000, app-0 runs; esp_efuse_set_recovery_bootloader_offset, esp_partition_copy PrimaryBTLDR -> RecoveryBTLDR, esp_ota_begin(PrimaryBTLDR), write bootloader-2, esp_ota_end, reboot",
        s =>
        {
            s.InstallBootloader("bootloader-1");
            TortureScenarios.InitialApp(s);
        },
        s =>
        {
            var recovery = s.RecoveryBootloader!;
            s.Step("esp_efuse_set_recovery_bootloader_offset", () => Check(s.Device.Efuse.SetRecoveryBootloaderOffset(recovery.Offset)), i => i);
            s.Step("backup: esp_partition_copy PrimaryBTLDR -> RecoveryBTLDR", () => PartitionCopy.Copy(s.Device.Flash, recovery, s.PrimaryBootloader, s.PrimaryBootloader.Size), i => i);
            OtaUpdate? update = null;
            s.Step("esp_ota_begin (PrimaryBTLDR)", () => update = s.Ota.Begin(s.PrimaryBootloader, OtaImageSize.Unknown), i => i);
            Write(s, () => update!, s.BootloaderImage("bootloader-2"));
            s.Step("esp_ota_end (verify bootloader)", () => update!.End(), i => i);
            s.Boot();
        })
    {
        Chip = Chip.Esp32C5,
        RomBoot = true,
        RecoveryBootloader = true,
    };

    /// <summary>ESP32-C3: a new partition table (phy_init renamed) staged in ota_1 and copied over 0x8000.</summary>
    public static TortureScenario PartitionTableOta { get; } = new TortureScenario(
        "partition-table-ota",
        "app-0 runs; esp_ota_begin(ota_1) + esp_ota_set_final_partition(PrimaryPrtTable, copy), write a table with phy_init renamed, esp_ota_end (verify, esp_partition_copy over 0x8000), reboot",
        s =>
        {
            s.InstallBootloader("bootloader-1");
            TortureScenarios.InitialApp(s);
        },
        s =>
        {
            var renamed = new PartitionTable(s.Table.Partitions.Select(p => p.Label == "phy_init" ? p with { Label = "phy" } : p), s.Table.HasMd5);
            Stage(s, s.PrimaryPartitionTable, renamed.ToBinary());
            s.Boot();
        })
    {
        RomBoot = true,
    };

    // The unsafe mode: the next OTA slot stages the image, esp_ota_end verifies it as the final partition's type
    // and copies it over the final partition.
    private static void Stage(TortureSession s, Partition final, ReadOnlyMemory<byte> image)
    {
        var staging = s.Ota.GetNextUpdatePartition() ?? throw new InvalidOperationException("no staging partition");
        OtaUpdate? update = null;
        // Staging in an OTA slot erases the app that was there (the rollback target, as for an app OTA).
        s.Step($"esp_ota_begin ({staging.Label}) + esp_ota_set_final_partition ({final.Label}, copy)", () =>
        {
            update = s.Ota.Begin(staging, OtaImageSize.Unknown);
            update.SetFinalPartition(final, finalizeWithCopy: true);
        }, i => i.AfterPreviousErased(), atomic: false);
        Write(s, () => update!, image);
        s.Step($"esp_ota_end (verify, esp_partition_copy to {final.Label})", () => update!.End(), i => i);
    }

    private static void Write(TortureSession s, Func<OtaUpdate> update, ReadOnlyMemory<byte> image) =>
        s.Step("esp_ota_write", () =>
        {
            for (int at = 0; at < image.Length; at += ChunkSize)
            {
                update().Write(image.Span.Slice(at, Math.Min(ChunkSize, image.Length - at)));
            }
        }, i => i);

    private static void Check(EspError result)
    {
        if (result != EspError.Ok)
        {
            throw new EspException(result, "esp_efuse_set_recovery_bootloader_offset failed");
        }
    }
}
