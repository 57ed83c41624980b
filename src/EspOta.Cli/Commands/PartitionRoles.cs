using EspOta.Partitions;

namespace EspOta.Cli.Commands;

/// <summary>What a partition is for in the OTA scheme, in words for the <c>show</c> table.</summary>
internal static class PartitionRoles
{
    public static string Describe(Partition p) => p.Type switch
    {
        PartitionType.App when p.IsFactory => "factory app (boots when otadata is empty)",
        PartitionType.App when p.OtaSlot is int slot => $"OTA slot {slot}",
        PartitionType.App when p.IsTest => "test app",
        PartitionType.App when p.Subtype is >= PartitionSubtypes.AppTeeMin and <= PartitionSubtypes.AppTeeMax => $"TEE slot {p.Subtype - PartitionSubtypes.AppTeeMin}",
        PartitionType.App => "app",
        PartitionType.Data => p.Subtype switch
        {
            PartitionSubtypes.DataOta => "otadata (which OTA slot boots)",
            PartitionSubtypes.DataTeeOta => "TEE otadata",
            PartitionSubtypes.DataPhy => "PHY init data",
            PartitionSubtypes.DataNvs => "NVS",
            PartitionSubtypes.DataCoredump => "core dump",
            PartitionSubtypes.DataNvsKeys => "NVS keys",
            PartitionSubtypes.DataEfuse => "emulated eFuse",
            PartitionSubtypes.DataEspHttpd => "HTTP server files",
            PartitionSubtypes.DataFat => "FAT file system",
            PartitionSubtypes.DataSpiffs => "SPIFFS file system",
            PartitionSubtypes.DataLittleFs => "LittleFS file system",
            _ => "data",
        },
        PartitionType.Bootloader => p.Subtype switch
        {
            PartitionSubtypes.BootloaderPrimary => "bootloader",
            PartitionSubtypes.BootloaderOta => "bootloader update staging",
            PartitionSubtypes.BootloaderRecovery => "recovery bootloader",
            _ => "bootloader (custom)",
        },
        PartitionType.PartitionTable => p.Subtype switch
        {
            PartitionSubtypes.PartitionTablePrimary => "partition table",
            PartitionSubtypes.PartitionTableOta => "partition table update staging",
            _ => "partition table (custom)",
        },
        _ => "custom type",
    };

    /// <summary>1 MiB, 24 KiB, or bytes.</summary>
    public static string HumanSize(long size) =>
        size != 0 && size % 0x100000 == 0 ? $"{size / 0x100000} MiB"
        : size != 0 && size % 0x400 == 0 ? $"{size / 0x400} KiB"
        : $"{size} B";
}
