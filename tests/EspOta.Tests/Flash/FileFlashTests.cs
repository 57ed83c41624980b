using EspOta.Flash;

namespace EspOta.Tests.Flash;

public sealed class FileFlashTests : IDisposable
{
    private readonly string _path = Path.Combine(Path.GetTempPath(), $"espota-fileflash-{Guid.NewGuid():N}.bin");

    public void Dispose() => File.Delete(_path);

    [Fact]
    public void Read_BeyondEndOfFile_ReadsErased()
    {
        File.WriteAllBytes(_path, [1, 2, 3]);
        using var flash = FileFlash.Open(_path, size: 0x2000);
        byte[] buffer = new byte[8];
        flash.Read(0, buffer);
        Assert.Equal([1, 2, 3, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF], buffer);
        flash.Read(0x1FF8, buffer);
        Assert.All(buffer, b => Assert.Equal(0xFF, b));
    }

    [Fact]
    public void Write_PastEndOfFile_GrowsFileAndReopenSeesData()
    {
        using (var flash = FileFlash.Open(_path, size: 0x4000, create: true))
        {
            flash.Write(0x3000, [0x12, 0x34]);
        }

        Assert.Equal(0x3002, new FileInfo(_path).Length);
        byte[] onDisk = File.ReadAllBytes(_path);
        Assert.Equal([0x12, 0x34], onDisk[0x3000..]);
        Assert.All(onDisk[..0x3000], b => Assert.Equal(0xFF, b));

        using var reopened = FileFlash.Open(_path, size: 0x4000);
        byte[] buffer = new byte[2];
        reopened.Read(0x3000, buffer);
        Assert.Equal([0x12, 0x34], buffer);
    }

    [Fact]
    public void Write_StrictSettingABit_ThrowsAndLeavesFileUnchanged()
    {
        File.WriteAllBytes(_path, [0xFF, 0x00, 0xFF]);
        using var flash = FileFlash.Open(_path, size: 0x1000);
        var error = Assert.Throws<FlashProgramException>(() => flash.Write(0, [0x00, 0x01, 0x00]));
        Assert.Equal(1, error.Address);
        flash.Flush();
        Assert.Equal([0xFF, 0x00, 0xFF], File.ReadAllBytes(_path));
    }

    [Fact]
    public void Open_ReadOnly_RejectsWritesAndErases()
    {
        File.WriteAllBytes(_path, new byte[0x1000]);
        using var flash = FileFlash.Open(_path, readOnly: true);
        Assert.True(flash.IsReadOnly);
        Assert.Throws<InvalidOperationException>(() => flash.Write(0, [0]));
        Assert.Throws<InvalidOperationException>(() => flash.Erase(0, 0x1000));
        Assert.All(File.ReadAllBytes(_path), b => Assert.Equal(0, b));
    }

    [Fact]
    public void Erase_ThenWrite_ProgramsAnImageAndCounts()
    {
        File.WriteAllBytes(_path, new byte[0x2000]);
        using var flash = FileFlash.Open(_path);
        Assert.Equal(0x2000, flash.Size);
        flash.Erase(0, 0x2000);
        flash.Write(0x10, [0xAB]);
        byte[] buffer = new byte[0x20];
        flash.Read(0, buffer);
        Assert.Equal(0xAB, buffer[0x10]);
        Assert.Equal(0xFF, buffer[0x11]);
        Assert.Equal((1L, 1L, 2L), (flash.Statistics.Writes, flash.Statistics.Erases, flash.Statistics.SectorsErased));
    }

    [Fact]
    public void Open_FileLargerThanSize_Throws()
    {
        File.WriteAllBytes(_path, new byte[0x2001]);
        Assert.Throws<ArgumentException>(() => FileFlash.Open(_path, size: 0x2000));
        Assert.Throws<FileNotFoundException>(() => FileFlash.Open(_path + ".missing"));
    }
}
