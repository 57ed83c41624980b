using EspOta.Updates;

namespace EspOta.Torture;

/// <summary>
/// Other partition layouts: 3 and 16 OTA slots with a <c>test</c> app (the bootloader's last resort, never
/// selected), and a factory reset that erases data partitions as well as otadata.
/// </summary>
public static class LayoutTortureScenarios
{
    /// <summary>Three slots: four OTAs go round ota_1, ota_2, ota_0, ota_1.</summary>
    public static TortureScenario ThreeSlots { get; } = new TortureScenario(
        "three-slots",
        "ota_0..ota_2 and a test app; app-0 in ota_0; four full OTAs (app-1 … app-4: ota_1, ota_2, ota_0, ota_1), each rebooted into and confirmed",
        InitialAppAndTest,
        s => Otas(s, 4))
    {
        OtaSlots = 3,
        HasTest = true,
    };

    /// <summary>Sixteen slots, the most ESP-IDF allows: sixteen OTAs go once round every slot back to ota_0.</summary>
    public static TortureScenario SixteenSlots { get; } = new TortureScenario(
        "sixteen-slots",
        "ota_0..ota_15 and a test app; app-0 in ota_0; sixteen full OTAs (app-1 … app-16 into ota_1 … ota_15, then ota_0), each rebooted into and confirmed",
        InitialAppAndTest,
        s => Otas(s, 16))
    {
        OtaSlots = 16,
        HasTest = true,
    };

    /// <summary>
    /// Factory reset with <c>CONFIG_BOOTLOADER_DATA_FACTORY_RESET="nvs,storage"</c>: the bootloader erases the listed
    /// data partitions and otadata in partition-table order (nvs, otadata, storage); <c>keep</c> is not listed.
    /// </summary>
    public static TortureScenario FactoryResetData { get; } = new TortureScenario(
        "factory-reset-data",
        "factory app plus confirmed app-1 (ota_0) and app-2 (ota_1); nvs, storage and keep hold user data; a boot with the factory-reset pin held erases nvs, otadata and storage (table order), not keep",
        s =>
        {
            s.Install("factory", "factory");
            s.FillData("nvs");
            s.FillData("storage");
            s.FillData("keep");
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
        FactoryReset: true)
    {
        DataPartitions = ["storage", "keep"],
        FactoryResetErases = ["nvs", "storage"],
    };

    private static void InitialAppAndTest(TortureSession s)
    {
        s.Install("test", "test-app");
        TortureScenarios.InitialApp(s);
    }

    private static void Otas(TortureSession s, int count)
    {
        for (int n = 1; n <= count; n++)
        {
            s.Update($"app-{n}", OtaImageSize.Unknown);
            s.Boot();
            s.MarkValid();
        }
    }
}
