using EspOta.Images;
using EspOta.Layout;
using EspOta.Partitions;
using EspOta.Tests.Device;

namespace EspOta.Tests.Layout;

public sealed class FlashImageTests
{
    [Fact]
    public void Compose_PlacesInputsInAddressOrder_GapsErased()
    {
        var table = FlashLayout.FactoryAndTwoOta(0x10000, 0x10000);
        var app = TestDevices.App("v1");
        var image = FlashImage.Compose(table, [0xE9, 1, 2], [("ota_1", app), ("factory", app)], new FlashComposeOptions { BootloaderOffset = 0x1000 });

        Assert.Equal(["bootloader", "partition-table", "factory", "ota_1"], image.Placements.Select(p => p.What));
        Assert.Equal(FlashLayout.End(table), image.Size);
        var bytes = image.ToArray();
        Assert.Equal(0xFF, bytes[0]);
        Assert.Equal(0xE9, bytes[0x1000]);
        Assert.Equal(table.ToBinary(), bytes.AsSpan(0x8000, PartitionTable.MaxLength).ToArray());
        Assert.Equal(app, bytes.AsSpan((int)table.FindFirst(label: "ota_1")!.Offset, app.Length).ToArray());
        Assert.All(bytes.AsSpan(0xD000, 0x2000).ToArray(), b => Assert.Equal(0xFF, b));
    }

    [Fact]
    public void Compose_AppLargerThanPartition_InvalidSize()
    {
        var table = FlashLayout.FactoryAndTwoOta(0x10000, 0x10000);
        var e = Assert.Throws<EspException>(() => FlashImage.Compose(table, null, [("ota_0", new byte[0x10001])]));
        Assert.Equal(EspError.InvalidSize, e.Code);
    }

    [Fact]
    public void Compose_BootloaderReachingTheTable_InvalidSize()
    {
        var table = FlashLayout.FactoryAndTwoOta(0x10000, 0x10000);
        var e = Assert.Throws<EspException>(() => FlashImage.Compose(table, new byte[0x7001], [], new FlashComposeOptions { BootloaderOffset = 0x1000 }));
        Assert.Equal(EspError.InvalidSize, e.Code);
    }

    [Fact]
    public void Compose_UnknownPartition_NotFound()
    {
        var e = Assert.Throws<EspException>(() => FlashImage.Compose(FlashLayout.WithSlots(0, 2, 0x10000), null, [("factory", new byte[16])]));
        Assert.Equal(EspError.NotFound, e.Code);
    }

    [Fact]
    public void Compose_ImageLargerThanSize_InvalidSize()
    {
        var table = FlashLayout.FactoryAndTwoOta(0x10000, 0x10000);
        var e = Assert.Throws<EspException>(() => FlashImage.Compose(table, null, [("ota_1", new byte[16])], new FlashComposeOptions { Size = 0x20000 }));
        Assert.Equal(EspError.InvalidSize, e.Code);
    }

    [Theory]
    [InlineData(0, 1)]
    [InlineData(0x10000, 2)]
    [InlineData(0x20000, 16)]
    public void WithSlots_AlignedContiguousSlots(long factory, int slots)
    {
        var table = FlashLayout.WithSlots(factory, slots, 0x18000);
        var apps = table.Partitions.Where(p => p.Type == PartitionType.App).ToList();
        Assert.Equal(slots + (factory > 0 ? 1 : 0), apps.Count);
        Assert.All(apps, p => Assert.Equal(0u, p.Offset % PartitionTable.AppAlignment));
        Assert.Equal(FlashLayout.FirstAppOffset, apps[0].Offset);
        for (int i = 1; i < apps.Count; i++)
        {
            Assert.Equal(apps[i - 1].End, apps[i].Offset);
        }

        Assert.Equal(Enumerable.Range(0, slots).Select(i => $"ota_{i}"), apps.Where(p => p.Subtype != PartitionSubtypes.AppFactory).Select(p => p.Label));
    }

    [Theory]
    [InlineData("esp32", 0x1000)]
    [InlineData("esp32s2", 0x1000)]
    [InlineData("esp32c3", 0x0)]
    [InlineData("esp32s3", 0x0)]
    public void BootloaderOffsetFor_Chip(string chip, long offset) =>
        Assert.Equal(offset, FlashComposeOptions.BootloaderOffsetFor(Chip.FromName(chip)!));
}
