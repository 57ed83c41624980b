using EspOta.Images;

namespace EspOta.Tests.Images;

/// <summary>Chip lookup and the per-chip tables.</summary>
public sealed class ChipTests
{
    [Theory]
    [InlineData("esp32", 0x0000)]
    [InlineData("ESP32-S2", 0x0002)]
    [InlineData("esp32c3", 0x0005)]
    [InlineData("esp32s3", 0x0009)]
    [InlineData("esp32_c2", 0x000C)]
    [InlineData("esp32c6", 0x000D)]
    [InlineData("esp32h2", 0x0010)]
    [InlineData("esp32p4", 0x0012)]
    [InlineData("esp32c61", 0x0014)]
    [InlineData("esp32c5", 0x0017)]
    [InlineData("esp32h21", 0x0019)]
    [InlineData("esp32h4", 0x001C)]
    public void TryFromName_EspIdfTarget_FoundWithImageId(string name, int id)
    {
        Assert.True(Chip.TryFromName(name, out var chip));
        Assert.Equal((ushort)id, chip.ImageChipId);
        Assert.True(Chip.TryFromImageId((ushort)id, out var byId));
        Assert.Same(chip, byId);
    }

    [Fact]
    public void TryFromName_Unknown_False()
    {
        Assert.False(Chip.TryFromName("esp31", out _));
        Assert.False(Chip.TryFromName("", out _));
        Assert.False(Chip.TryFromImageId(0xFFFF, out _));
        Assert.Null(Chip.Esp8266.ImageChipId);
    }

    [Fact]
    public void FlashFrequency_Esp32C6_ZeroIsReportedAs80m()
    {
        Assert.Equal("80m", Chip.Esp32C6.FlashFrequencyName(0));
        Assert.True(Chip.Esp32C6.TryGetFlashFrequency("40m", out var f40));
        Assert.Equal(0, f40);
        Assert.Equal("30m", Chip.Esp32C2.FlashFrequencyName(0));
        Assert.Equal("24m", Chip.Esp32H2.FlashFrequencyName(0));
        Assert.Null(Chip.Esp32.FlashFrequencyName(5));
        Assert.Equal("512KB", Chip.Esp8266.FlashSizeName(0));
        Assert.Equal("1MB", Chip.Esp32.FlashSizeName(0));
    }

    [Fact]
    public void MemoryTypesOf_Esp32Dram_AllOverlappingRegionsInMapOrder() =>
        Assert.Equal(["BYTE_ACCESSIBLE", "DRAM", "DIRAM_DRAM"], Chip.Esp32.MemoryTypesOf(0x3FFE8000));
}
