using EspOta.Updates;

namespace EspOta.Torture;

/// <summary>The built-in scenarios of issue 5.</summary>
public static class TortureScenarios
{
    /// <summary>Full OTA: begin (erase all) / write / end / set boot / reboot / self-test / mark valid.</summary>
    public static TortureScenario FullOta { get; } = new(
        "full-ota",
        "app-0 runs from ota_0; OTA of app-1 into ota_1 (erase whole partition), set boot, reboot, mark valid",
        InitialApp,
        s =>
        {
            s.Update("app-1", OtaImageSize.Unknown);
            s.Boot();
            s.MarkValid();
        });

    /// <summary>Full OTA with <c>OTA_WITH_SEQUENTIAL_WRITES</c>: each write erases the sectors it reaches.</summary>
    public static TortureScenario SequentialErase { get; } = new(
        "ota-sequential-erase",
        "as full-ota, but esp_ota_begin erases nothing and each write erases the sectors it reaches",
        InitialApp,
        s =>
        {
            s.Update("app-1", OtaImageSize.SequentialWrites);
            s.Boot();
            s.MarkValid();
        });

    /// <summary>A download interrupted half-way (device reset), resumed with <c>esp_ota_resume</c>.</summary>
    public static TortureScenario Resume { get; } = new(
        "ota-resume",
        "begin, write half of app-1, reset (download lost), esp_ota_resume at that offset, write the rest, end, set boot, reboot, mark valid",
        InitialApp,
        s =>
        {
            s.Begin("app-1", OtaImageSize.Unknown);
            s.Write(s.ImageSize / 2);
            s.InterruptDownload();
            s.Resume();
            s.Write(long.MaxValue);
            s.End();
            s.SetBoot();
            s.Boot();
            s.MarkValid();
        });

    /// <summary>The freshly booted update confirms itself.</summary>
    public static TortureScenario MarkValid { get; } = new(
        "mark-valid",
        "app-1 was installed by OTA and booted (unconfirmed); it calls esp_ota_mark_app_valid_cancel_rollback",
        s =>
        {
            InitialApp(s);
            s.Update("app-1", OtaImageSize.Unknown);
            s.Boot();
        },
        s => s.MarkValid());

    /// <summary>The freshly booted update fails its self-test and rolls back.</summary>
    public static TortureScenario Rollback { get; } = new(
        "rollback",
        "app-1 was installed by OTA and booted (unconfirmed); its self-test fails: esp_ota_mark_app_invalid_rollback_and_reboot",
        s =>
        {
            InitialApp(s);
            s.Update("app-1", OtaImageSize.Unknown);
            s.Boot();
        },
        s => s.MarkInvalidAndReboot());

    /// <summary>After a confirmed update, the previous app is erased.</summary>
    public static TortureScenario EraseLastBootApp { get; } = new(
        "erase-last-boot-app",
        "app-1 was installed and confirmed; it calls esp_ota_erase_last_boot_app_partition (erases app-0 and its otadata entry)",
        s =>
        {
            InitialApp(s);
            s.Update("app-1", OtaImageSize.Unknown);
            s.Boot();
            s.MarkValid();
        },
        s => s.EraseLastBootAppPartition());

    /// <summary>Factory reset by the bootloader (GPIO held): nvs and otadata erased, the factory app boots.</summary>
    public static TortureScenario FactoryReset { get; } = new(
        "factory-reset",
        "factory app plus confirmed app-1 (ota_0) and app-2 (ota_1); a boot with the factory-reset pin held erases nvs and otadata",
        s =>
        {
            s.Install("factory", "factory");
            s.Boot();
            for (int n = 1; n <= 2; n++)
            {
                s.Update($"app-{n}", OtaImageSize.Unknown);
                s.Boot();
                s.MarkValid();
            }
        },
        s => s.Boot(factoryResetPinHeld: true),
        HasFactory: true,
        FactoryReset: true);

    /// <summary>Ten consecutive full OTAs, alternating slots.</summary>
    public static TortureScenario TenOtas { get; } = new(
        "ten-otas",
        "ten full OTAs in a row (app-1 … app-10), each rebooted into and confirmed",
        InitialApp,
        s =>
        {
            for (int n = 1; n <= 10; n++)
            {
                s.Update($"app-{n}", OtaImageSize.Unknown);
                s.Boot();
                s.MarkValid();
            }
        });

    /// <summary>The very first boot of a freshly flashed device: the bootloader writes the initial otadata entry.</summary>
    public static TortureScenario FirstBoot { get; } = new(
        "first-boot",
        "app-0 flashed into ota_0 of an erased device; its first boot writes otadata[0] = {seq 1, VALID} (set_actual_ota_seq)",
        s =>
        {
            s.Install("ota_0", "app-0");
            s.AssumeConfirmed("app-0");
        },
        s => s.Boot());

    /// <summary>Every built-in scenario.</summary>
    public static IReadOnlyList<TortureScenario> All { get; } =
        [
            FirstBoot, FullOta, SequentialErase, Resume, MarkValid, Rollback, EraseLastBootApp, FactoryReset, TenOtas,
            DeltaTortureScenarios.DeltaOta, DeltaTortureScenarios.DeltaOtaResume,
            AntiRollbackTortureScenarios.AntiRollback,
            LayoutTortureScenarios.ThreeSlots, LayoutTortureScenarios.SixteenSlots, LayoutTortureScenarios.FactoryResetData,
            BootloaderTortureScenarios.BootloaderOta, BootloaderTortureScenarios.BootloaderOtaRecovery, BootloaderTortureScenarios.PartitionTableOta,
            SecureBootTortureScenarios.KeyRotation,
        ];

    /// <summary>The scenario named <paramref name="name"/>, or null.</summary>
    public static TortureScenario? Find(string name) => All.FirstOrDefault(s => string.Equals(s.Name, name, StringComparison.OrdinalIgnoreCase));

    /// <summary>The usual start: app-0 flashed into ota_0 of an erased device, first boot.</summary>
    public static void InitialApp(TortureSession session)
    {
        ArgumentNullException.ThrowIfNull(session);
        session.Install("ota_0", "app-0");
        session.Boot();
    }
}
