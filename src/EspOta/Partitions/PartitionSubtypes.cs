namespace EspOta.Partitions;

/// <summary>
/// Subtype values of ESP-IDF v5.5 (<c>esp_partition_subtype_t</c>, <c>gen_esp32part.py</c> SUBTYPES).
/// </summary>
public static class PartitionSubtypes
{
    /// <summary>app/factory.</summary>
    public const byte AppFactory = 0x00;
    /// <summary>app/ota_0; ota_N is <c>AppOtaMin + N</c>.</summary>
    public const byte AppOtaMin = 0x10;
    /// <summary>app/ota_15.</summary>
    public const byte AppOtaMax = 0x1F;
    /// <summary>app/test.</summary>
    public const byte AppTest = 0x20;
    /// <summary>app/tee_0; tee_N is <c>AppTeeMin + N</c>.</summary>
    public const byte AppTeeMin = 0x30;
    /// <summary>app/tee_1.</summary>
    public const byte AppTeeMax = 0x31;
    /// <summary>bootloader/primary.</summary>
    public const byte BootloaderPrimary = 0x00;
    /// <summary>bootloader/ota (a staging copy for a bootloader update).</summary>
    public const byte BootloaderOta = 0x01;
    /// <summary>bootloader/recovery.</summary>
    public const byte BootloaderRecovery = 0x02;
    /// <summary>partition_table/primary.</summary>
    public const byte PartitionTablePrimary = 0x00;
    /// <summary>partition_table/ota (a staging copy for a table update).</summary>
    public const byte PartitionTableOta = 0x01;
    /// <summary>data/ota (otadata).</summary>
    public const byte DataOta = 0x00;
    /// <summary>data/phy.</summary>
    public const byte DataPhy = 0x01;
    /// <summary>data/nvs.</summary>
    public const byte DataNvs = 0x02;
    /// <summary>data/coredump.</summary>
    public const byte DataCoredump = 0x03;
    /// <summary>data/nvs_keys.</summary>
    public const byte DataNvsKeys = 0x04;
    /// <summary>data/efuse (emulated eFuse).</summary>
    public const byte DataEfuse = 0x05;
    /// <summary>data/undefined.</summary>
    public const byte DataUndefined = 0x06;
    /// <summary>data/esphttpd.</summary>
    public const byte DataEspHttpd = 0x80;
    /// <summary>data/fat.</summary>
    public const byte DataFat = 0x81;
    /// <summary>data/spiffs.</summary>
    public const byte DataSpiffs = 0x82;
    /// <summary>data/littlefs.</summary>
    public const byte DataLittleFs = 0x83;
    /// <summary>data/tee_ota (the TEE's otadata).</summary>
    public const byte DataTeeOta = 0x90;

    /// <summary>Number of OTA app slots ESP-IDF supports (ota_0 … ota_15).</summary>
    public const int OtaSlotCount = 16;

    /// <summary>Number of TEE app slots (tee_0, tee_1).</summary>
    public const int TeeSlotCount = 2;
}
