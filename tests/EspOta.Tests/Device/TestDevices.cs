using EspOta.Boot;
using EspOta.Device;
using EspOta.Flash;
using EspOta.Images;
using EspOta.Partitions;

namespace EspOta.Tests.Device;

/// <summary>Flash images and devices for the story tests: a standard 4 MiB layout with real ESP32-C3 app images.</summary>
public static class TestDevices
{
    public const uint AppSize = 0x100000;

    /// <summary>nvs, otadata, phy_init, then factory (optional) and OTA slots of 1 MiB each.</summary>
    public static PartitionTable Layout(bool factory, int slots)
    {
        var rows = new List<Partition>
        {
            new("nvs", PartitionType.Data, PartitionSubtypes.DataNvs, 0x9000, 0x4000),
            new("otadata", PartitionType.Data, PartitionSubtypes.DataOta, 0xD000, 0x2000),
            new("phy_init", PartitionType.Data, PartitionSubtypes.DataPhy, 0xF000, 0x1000),
        };
        uint offset = 0x10000;
        if (factory)
        {
            rows.Add(new Partition("factory", PartitionType.App, PartitionSubtypes.AppFactory, offset, AppSize));
            offset += AppSize;
        }

        for (int i = 0; i < slots; i++)
        {
            rows.Add(new Partition($"ota_{i}", PartitionType.App, (byte)(PartitionSubtypes.AppOtaMin + i), offset, AppSize));
            offset += AppSize;
        }

        return new PartitionTable(rows);
    }

    /// <summary>A real app image (verifies with <see cref="ImageVerifier"/>).</summary>
    public static byte[] App(string version, uint secureVersion = 0, int payload = 4096) =>
        new AppImageBuilder(Chip.Esp32C3).WithVersion(version).WithSecureVersion(secureVersion).WithPayload(payload).Build();

    /// <summary>Erased otadata, the table at 0x8000, and the given images.</summary>
    public static MemoryFlash Flash(PartitionTable table, params (string Partition, byte[] Image)[] images)
    {
        var flash = new MemoryFlash(4 * 1024 * 1024);
        flash.Write(PartitionTable.DefaultOffset, table.ToBinary());
        foreach (var (label, image) in images)
        {
            flash.Write(table.FindFirst(label: label)!.Offset, image);
        }

        return flash;
    }

    public static Partition Part(this EspDevice device, string label) => device.PartitionTable!.FindFirst(label: label)!;
}
