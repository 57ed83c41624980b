using EspOta.Flash;
using EspOta.Images;

namespace EspOta.Tests.Images;

/// <summary>The ROM's first step: a loadable bootloader image at the chip's offset (esptool's BOOTLOADER_FLASH_OFFSET).</summary>
public sealed class SecondStageCheckTests
{
    public static TheoryData<string, uint> Offsets() => new()
    {
        { "esp32", 0x1000 }, { "esp32s2", 0x1000 }, { "esp32p4", 0x2000 }, { "esp32c5", 0x2000 },
        { "esp32s3", 0x0 }, { "esp32c2", 0x0 }, { "esp32c3", 0x0 }, { "esp32c6", 0x0 }, { "esp32c61", 0x0 }, { "esp32h2", 0x0 },
        { "esp8266", 0x0 },
    };

    [Theory]
    [MemberData(nameof(Offsets))]
    public void BootloaderOffset_IsEsptools(string chip, uint offset) => Assert.Equal(offset, Chip.FromName(chip)!.BootloaderOffset);

    [Theory]
    [InlineData("bootloader_esp32", "esp32")]
    [InlineData("e2i_esp32_bootloader", "esp32")]
    [InlineData("bootloader_esp32c3", "esp32c3")]
    public void Verify_VectorBootloaderAtItsChipsOffset_LoadsElsewhereNot(string vector, string chipName)
    {
        var chip = Chip.FromName(chipName)!;
        var bootloader = File.ReadAllBytes(Vectors.PathOf("images", vector + ".bin"));
        Assert.Equal(chip, SecondStageCheck.ChipOf(bootloader));

        var right = new MemoryFlash(0x10000);
        right.Write(chip.BootloaderOffset, bootloader);
        Assert.True(SecondStageCheck.Verify(right, chip).IsValid);

        // Where `flash build` used to put every bootloader: fine for 0x0 chips, a blank ROM read on the ESP32.
        var atZero = new MemoryFlash(0x10000);
        atZero.Write(0, bootloader);
        var result = SecondStageCheck.Verify(atZero, chip);
        Assert.Equal(chip.BootloaderOffset == 0, result.IsValid);
        if (chip.BootloaderOffset != 0)
        {
            Assert.Equal(ImageCheck.Magic, result.FailedCheck);
        }
    }

    [Fact]
    public void Verify_CorruptBootloader_ChecksumFails_NoImage_Null()
    {
        var bootloader = File.ReadAllBytes(Vectors.PathOf("images", "e2i_esp32_bootloader.bin"));
        bootloader[0x30] ^= 0x01;
        var flash = new MemoryFlash(0x10000);
        flash.Write(0x1000, bootloader);
        Assert.Equal(ImageCheck.Checksum, SecondStageCheck.Verify(flash, Chip.Esp32).FailedCheck);
        Assert.Null(SecondStageCheck.ChipOf(new byte[10]));
        Assert.Throws<ArgumentOutOfRangeException>(() => SecondStageCheck.Verify(flash, Chip.Esp32, tableOffset: 0x1000));
    }
}
