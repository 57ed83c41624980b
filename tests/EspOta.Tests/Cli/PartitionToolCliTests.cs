using System.Text.Json;
using EspOta.Cli;
using EspOta.Partitions;

namespace EspOta.Tests.Cli;

/// <summary>parttool.py and otatool.py verbs on a flash image: <c>esp-ota partition …</c>, <c>esp-ota ota read|write|erase</c>, <c>image-info</c>.</summary>
public sealed class PartitionToolCliTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("espota-parttool-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private string PathOf(string name) => Path.Combine(_dir, name);

    private static (int Code, string Out, string Err) Run(params string[] args) => EspOta.Tests.Shared.CliRunner.Run(args);

    private (string Flash, string App) Device()
    {
        Assert.Equal(0, Run("image", "build", "--chip", "esp32", "--version", "1.0.0", "-o", PathOf("app.bin")).Code);
        Assert.Equal(0, Run("device", "create", "--flash", PathOf("dev.bin"), "--factory", PathOf("app.bin"), "--slot-size", "256K").Code);
        return (PathOf("dev.bin"), PathOf("app.bin"));
    }

    private static Partition Find(string flash, string label) =>
        PartitionTable.FromBinary(File.ReadAllBytes(flash).AsSpan(0x8000, 0xC00)).FindFirst(label: label)!;

    [Fact]
    public void Info_ByName_PrintsParttoolFields()
    {
        var (flash, _) = Device();
        var p = Find(flash, "ota_0");
        var (code, stdout, _) = Run("partition", "info", flash, "--name", "ota_0", "--info", "offset", "size");
        Assert.Equal(ExitCodes.Ok, code);
        Assert.Equal($"0x{p.Offset:x} 0x{p.Size:x}", stdout.Trim());

        var (_, json, _) = Run("partition", "info", flash, "--type", "app", "--subtype", "ota_0", "--json");
        using var doc = JsonDocument.Parse(json);
        Assert.Equal("ota_0", doc.RootElement.GetProperty("name").GetString());
        Assert.Equal(p.Size, doc.RootElement.GetProperty("size").GetInt64());
    }

    [Fact]
    public void WriteThenRead_RoundTrips_RestOfPartitionErased()
    {
        var (flash, app) = Device();
        var p = Find(flash, "ota_1");
        Assert.Equal(ExitCodes.Ok, Run("partition", "write", flash, "--name", "ota_1", "--input", app).Code);
        Assert.Equal(ExitCodes.Ok, Run("partition", "read", flash, "--name", "ota_1", "-o", PathOf("out.bin")).Code);
        var read = File.ReadAllBytes(PathOf("out.bin"));
        var image = File.ReadAllBytes(app);
        Assert.Equal((int)p.Size, read.Length);
        Assert.Equal(image, read[..image.Length]);
        Assert.All(read[image.Length..], b => Assert.Equal(0xFF, b));
    }

    [Fact]
    public void OtaWriteSlot_ThenSwitch_BootsIt_EraseMakesItEmpty()
    {
        var (flash, _) = Device();
        Assert.Equal(0, Run("image", "build", "--chip", "esp32", "--version", "2.0.0", "-o", PathOf("v2.bin")).Code);
        Assert.Equal(ExitCodes.Ok, Run("ota", "write", flash, "--slot", "0", "--input", PathOf("v2.bin")).Code);
        Assert.Equal(ExitCodes.Ok, Run("otadata", "switch", "ota_0", flash).Code);
        var (code, boot, _) = Run("flash", "boot", flash);
        Assert.Equal(ExitCodes.Ok, code);
        Assert.Contains("2.0.0", boot, StringComparison.Ordinal);

        Assert.Equal(ExitCodes.Ok, Run("ota", "erase", flash, "--slot", "0").Code);
        Assert.Equal(ExitCodes.Ok, Run("ota", "read", flash, "--slot", "0", "-o", PathOf("slot.bin")).Code);
        Assert.All(File.ReadAllBytes(PathOf("slot.bin")), b => Assert.Equal(0xFF, b));
    }

    [Fact]
    public void Write_InputLargerThanPartition_UsageAndImageUnchanged()
    {
        var (flash, _) = Device();
        var before = File.ReadAllBytes(flash);
        File.WriteAllBytes(PathOf("big.bin"), new byte[Find(flash, "ota_0").Size + 1]);
        Assert.Equal(ExitCodes.Usage, Run("ota", "write", flash, "--slot", "0", "--input", PathOf("big.bin")).Code);
        Assert.Equal(before, File.ReadAllBytes(flash));
    }

    [Fact]
    public void OtaVerbs_NonOtaPartition_Refused()
    {
        var (flash, _) = Device();
        var (code, _, stderr) = Run("ota", "erase", flash, "--name", "nvs");
        Assert.Equal(ExitCodes.Usage, code);
        Assert.Contains("not an OTA slot", stderr, StringComparison.Ordinal);
    }

    [Fact]
    public void ImageInfoAlias_SameAsImageInfo()
    {
        var (_, app) = Device();
        Assert.Equal(Run("image", "info", app).Out, Run("image-info", app).Out);
    }

    [Fact]
    public void FlashBuild_AddressFilePairs_MergedLikeMergeBin_FillFlashSizePads()
    {
        File.WriteAllBytes(PathOf("a.bin"), [1, 2, 3]);
        File.WriteAllBytes(PathOf("b.bin"), [4, 5]);
        Assert.Equal(ExitCodes.Ok, Run("flash", "build", "-o", PathOf("m.bin"), "0x1000", PathOf("b.bin"), "0x10", PathOf("a.bin")).Code);
        var merged = File.ReadAllBytes(PathOf("m.bin"));
        Assert.Equal(0x1002, merged.Length);
        Assert.Equal([1, 2, 3], merged[0x10..0x13]);
        Assert.Equal([4, 5], merged[0x1000..]);
        Assert.All(merged[..0x10], b => Assert.Equal(0xFF, b));

        Assert.Equal(ExitCodes.Ok, Run("flash", "build", "-o", PathOf("f.bin"), "--fill-flash-size", "4MB", "0x0", PathOf("a.bin")).Code);
        Assert.Equal(4 * 1024 * 1024, new FileInfo(PathOf("f.bin")).Length);

        var (code, _, stderr) = Run("flash", "build", "-o", PathOf("x.bin"), "0x0", PathOf("a.bin"), "0x2", PathOf("b.bin"));
        Assert.Equal(ExitCodes.Usage, code);
        Assert.Contains("overlap", stderr, StringComparison.Ordinal);
        Assert.False(File.Exists(PathOf("x.bin")));
    }
}
