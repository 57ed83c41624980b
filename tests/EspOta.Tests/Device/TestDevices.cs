using EspOta.Boot;
using EspOta.Device;
using EspOta.Flash;
using EspOta.Images;
using EspOta.Layout;
using EspOta.Partitions;

namespace EspOta.Tests.Device;

/// <summary>Flash images and devices for the story tests: a standard 4 MiB layout with real ESP32-C3 app images.</summary>
public static class TestDevices
{
    public const uint AppSize = 0x100000;

    /// <summary>nvs, otadata, phy_init, then factory (optional) and OTA slots of 1 MiB each.</summary>
    public static PartitionTable Layout(bool factory, int slots) => FlashLayout.WithSlots(factory ? AppSize : 0, slots, AppSize);

    /// <summary>A real app image (verifies with <see cref="ImageVerifier"/>).</summary>
    public static byte[] App(string version, uint secureVersion = 0, int payload = 4096) =>
        new AppImageBuilder(Chip.Esp32C3).WithVersion(version).WithSecureVersion(secureVersion).WithPayload(payload).Build();

    /// <summary>Erased otadata, the table at 0x8000, and the given images, on a 4 MiB chip.</summary>
    public static MemoryFlash Flash(PartitionTable table, params (string Partition, byte[] Image)[] images) =>
        FlashImage.Compose(table, null, images, new FlashComposeOptions { Size = 4 * 1024 * 1024 }).ToFlash();

    public static Partition Part(this EspDevice device, string label) => device.PartitionTable!.FindFirst(label: label)!;
}
