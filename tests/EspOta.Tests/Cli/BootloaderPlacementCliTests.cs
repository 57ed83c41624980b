using System.Text.Json;
using EspOta.Cli;
using EspOta.Images;
using EspOta.Layout;
using EspOta.Partitions;
using EspOta.Tests.Shared;

namespace EspOta.Tests.Cli;

/// <summary>
/// Issue 17 item 5: the bootloader goes where the chip's ROM reads it (esptool's BOOTLOADER_FLASH_OFFSET),
/// a wrong offset is refused unless forced, and <c>flash boot</c> models the ROM's first step.
/// </summary>
public sealed class BootloaderPlacementCliTests : IDisposable
{
    private const string Csv = "nvs,data,nvs,0x9000,0x4000,\notadata,data,ota,0xd000,0x2000,\nphy_init,data,phy,0xf000,0x1000,\nfactory,app,factory,0x10000,0x10000,\nota_0,app,ota_0,0x20000,0x10000,\nota_1,app,ota_1,0x30000,0x10000,\n";

    private readonly DirectoryInfo _dir = Directory.CreateTempSubdirectory("esp-ota-bootloader-");

    public void Dispose() => _dir.Delete(recursive: true);

    private string PathOf(string name) => Path.Combine(_dir.FullName, name);

    private static (int Code, string Out, string Err) Run(params string[] args)
    {
        var stdout = new StringWriter();
        var stderr = new StringWriter();
        int code = CliRunner.Run(args, stdout, stderr);
        return (code, stdout.ToString(), stderr.ToString());
    }

    private string[] Build(string bootloaderVector, string output, params string[] extra)
    {
        File.WriteAllText(PathOf("t.csv"), Csv);
        File.WriteAllBytes(PathOf("factory.bin"), new AppImageBuilder(Chip.Esp32).WithPayload(100).Build());
        return ["flash", "build", "-p", PathOf("t.csv"), "-b", Vectors.PathOf("images", bootloaderVector + ".bin"), "-a", "factory=" + PathOf("factory.bin"), "-o", PathOf(output), "--json", .. extra];
    }

    [Theory]
    [InlineData("e2i_esp32_bootloader", 0x1000)]
    [InlineData("bootloader_esp32", 0x1000)]
    [InlineData("bootloader_esp32c3", 0x0)]
    public void Build_BootloaderGoesToItsChipsOffset_AndTheRomStartsIt(string vector, long offset)
    {
        var (code, stdout, stderr) = Run(Build(vector, "flash.bin"));
        Assert.True(code == 0, stderr);
        using var doc = JsonDocument.Parse(stdout);
        var placed = doc.RootElement.GetProperty("written").EnumerateArray().Single(w => w.GetProperty("what").GetString() == "bootloader");
        Assert.Equal(offset, placed.GetProperty("offset").GetInt64());
        var bootloader = File.ReadAllBytes(Vectors.PathOf("images", vector + ".bin"));
        Assert.Equal(bootloader, File.ReadAllBytes(PathOf("flash.bin")).AsSpan((int)offset, bootloader.Length).ToArray());

        var boot = Run("flash", "boot", PathOf("flash.bin"), "--json");
        Assert.Equal(0, boot.Code);
        using var bootDoc = JsonDocument.Parse(boot.Out);
        Assert.True(bootDoc.RootElement.GetProperty("rom").GetProperty("loads").GetBoolean());
        Assert.Equal(offset, bootDoc.RootElement.GetProperty("rom").GetProperty("offset").GetInt64());
        Assert.Equal("factory", bootDoc.RootElement.GetProperty("boot").GetProperty("booted").GetString());
    }

    [Fact]
    public void Build_Esp32BootloaderAtZero_RefusedUnlessForced_ThenNothingBoots()
    {
        var (code, _, stderr) = Run(Build("e2i_esp32_bootloader", "zero.bin", "--bootloader-offset", "0x0"));
        Assert.Equal(ExitCodes.Usage, code);
        Assert.Contains("0x1000", stderr, StringComparison.Ordinal);
        Assert.False(File.Exists(PathOf("zero.bin")));

        Assert.Equal(0, Run(Build("e2i_esp32_bootloader", "zero.bin", "--bootloader-offset", "0x0", "--force")).Code);

        // What a real ESP32 does with it: the ROM reads 0x1000, finds 0xFF (invalid header), and nothing boots.
        var (bootCode, bootOut, _) = Run("flash", "boot", PathOf("zero.bin"), "--json");
        Assert.Equal(ExitCodes.Failure, bootCode);
        using var doc = JsonDocument.Parse(bootOut);
        var rom = doc.RootElement.GetProperty("rom");
        Assert.False(rom.GetProperty("loads").GetBoolean());
        Assert.Equal("esp32", rom.GetProperty("chip").GetString());
        Assert.Equal(0x1000, rom.GetProperty("offset").GetInt64());
        Assert.Equal(JsonValueKind.Null, doc.RootElement.GetProperty("boot").ValueKind);
        Assert.Contains("nothing boots", Run("flash", "boot", PathOf("zero.bin")).Out, StringComparison.Ordinal);
    }

    [Fact]
    public void Build_ChipOptionDisagreesWithTheBootloader_Refused_NoBootloader_NotModelled()
    {
        Assert.Equal(ExitCodes.Usage, Run(Build("e2i_esp32_bootloader", "c3.bin", "--chip", "esp32c3")).Code);
        Assert.Equal(0, Run(Build("e2i_esp32_bootloader", "esp32.bin", "--chip", "esp32")).Code);

        // No bootloader in the image: the ROM step cannot be modelled without a chip, and the boot goes on;
        // with --chip it is, and nothing boots.
        File.WriteAllText(PathOf("t.csv"), Csv);
        Assert.Equal(0, Run("flash", "build", "-p", PathOf("t.csv"), "-a", "factory=" + PathOf("factory.bin"), "-o", PathOf("none.bin")).Code);
        Assert.Equal(0, Run("flash", "boot", PathOf("none.bin")).Code);
        Assert.Equal(ExitCodes.Failure, Run("flash", "boot", PathOf("none.bin"), "--chip", "esp32").Code);
        Assert.Equal(ExitCodes.Usage, Run("flash", "boot", PathOf("none.bin"), "--chip", "esp99").Code);
    }

    [Fact]
    public void BootloaderPlace_Core()
    {
        var esp32 = File.ReadAllBytes(Vectors.PathOf("images", "e2i_esp32_bootloader.bin"));
        Assert.Equal(0x1000, FlashImage.BootloaderPlace(esp32, new FlashComposeOptions()));
        Assert.Equal(EspError.InvalidArg, Assert.Throws<EspException>(() => FlashImage.BootloaderPlace(esp32, new FlashComposeOptions { BootloaderOffset = 0 })).Code);
        Assert.Equal(0, FlashImage.BootloaderPlace(esp32, new FlashComposeOptions { BootloaderOffset = 0, ForceBootloaderOffset = true }));
        Assert.Equal(0x2000, FlashImage.BootloaderPlace([0xE9], new FlashComposeOptions { Chip = Chip.Esp32P4 }));
        // Bytes that name no chip go where they are told (0x0 by default).
        Assert.Equal(0, FlashImage.BootloaderPlace([0xE9, 1, 2], new FlashComposeOptions()));
        var table = PartitionTable.FromCsv(Csv);
        var image = FlashImage.Compose(table, esp32, [], new FlashComposeOptions { Size = 0x40000 });
        Assert.Equal(0x1000, image.Placements.Single(p => p.What == "bootloader").Offset);
    }
}
