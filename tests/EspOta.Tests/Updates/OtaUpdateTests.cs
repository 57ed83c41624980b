using EspOta.Boot;
using EspOta.Device;
using EspOta.Flash;
using EspOta.Partitions;
using EspOta.Tests.Device;
using EspOta.Updates;

namespace EspOta.Tests.Updates;

public sealed class OtaUpdateTests
{
    private static (EspDevice Device, MemoryFlash Flash) Running()
    {
        var flash = TestDevices.Flash(TestDevices.Layout(factory: true, slots: 2), ("factory", TestDevices.App("factory")));
        var device = EspDevice.Open(flash, new BootOptions { Rollback = true });
        device.Reboot();
        return (device, flash);
    }

    [Fact]
    public void Write_SequentialWrites_ErasesOnlySectorsReached()
    {
        var (device, flash) = Running();
        var target = device.Part("ota_0");
        flash.Write(target.Offset + 0x3000, [0x00]);
        flash.Statistics.Reset();

        using var update = device.Ota.Begin(target, OtaImageSize.SequentialWrites);
        update.Write(new byte[] { 0xE9 }.Concat(new byte[0x1FFF]).ToArray());

        Assert.Equal(2, flash.Statistics.SectorsErased);
        Assert.Equal(0x00, flash.Contents[(int)target.Offset + 0x3000]);
    }

    [Fact]
    public void Write_FirstByteNotMagic_OtaValidateFailed()
    {
        var (device, _) = Running();
        using var update = device.Ota.Begin(device.Part("ota_0"), OtaImageSize.Unknown);

        var error = Assert.Throws<EspException>(() => update.Write([0x00, 0x01]));

        Assert.Equal(EspError.OtaValidateFailed, error.Code);
        Assert.Equal(0, update.BytesWritten);
    }

    [Fact]
    public void End_NothingWritten_InvalidArgAndClosed()
    {
        var (device, _) = Running();
        var update = device.Ota.Begin(device.Part("ota_0"), OtaImageSize.Of(256));

        Assert.Equal(EspError.InvalidArg, Assert.Throws<EspException>(update.End).Code);
        Assert.False(update.IsOpen);
        Assert.Equal(EspError.NotFound, Assert.Throws<EspException>(update.Abort).Code);
    }

    [Fact]
    public void End_CorruptImage_OtaValidateFailed()
    {
        var (device, _) = Running();
        var image = TestDevices.App("v1");
        image[^1] ^= 0xFF;
        using var update = device.Ota.Begin(device.Part("ota_0"), OtaImageSize.Of(image.Length));
        update.Write(image);

        Assert.Equal(EspError.OtaValidateFailed, Assert.Throws<EspException>(update.End).Code);
    }

    [Fact]
    public async Task AsStream_CopyToAsync_WritesImageThatVerifies()
    {
        var (device, _) = Running();
        var image = TestDevices.App("v1", payload: 100_000);
        using var update = device.Ota.Begin(device.Part("ota_0"), OtaImageSize.Unknown);

        await new MemoryStream(image).CopyToAsync(update.AsStream());
        update.End();

        Assert.Equal(image.Length, update.BytesWritten);
        Assert.Equal("v1", device.Ota.GetPartitionDescription(device.Part("ota_0")).Version);
    }

    [Fact]
    public void Begin_RunningPartitionOrFactory_Rejected()
    {
        var (device, _) = Running();

        // The factory app is running, but esp_ota_begin rejects it first for not being an OTA slot.
        Assert.Equal(EspError.InvalidArg, Assert.Throws<EspException>(() => device.Ota.Begin(device.Part("factory"), OtaImageSize.Unknown)).Code);
        Assert.Equal(EspError.InvalidArg, Assert.Throws<EspException>(() => device.Ota.Begin(null, OtaImageSize.Unknown)).Code);
        var foreign = new Partition("elsewhere", PartitionType.App, 0x12, 0x300000, 0x10000);
        Assert.Equal(EspError.NotFound, Assert.Throws<EspException>(() => device.Ota.Begin(foreign, OtaImageSize.Unknown)).Code);
    }

    [Fact]
    public void SetFinalPartition_StagingWithCopy_CopiesVerifiedImageToFinal()
    {
        var (device, flash) = Running();
        var image = TestDevices.App("copied");
        using var update = device.Ota.Begin(device.Part("ota_1"), OtaImageSize.Unknown);
        update.SetFinalPartition(device.Part("ota_0"), finalizeWithCopy: true);
        update.Write(image);
        update.End();

        var final = device.Part("ota_0");
        Assert.Equal(image, flash.Contents.Slice((int)final.Offset, image.Length).ToArray());
    }

    [Fact]
    public void Resume_AfterInterruptedWrite_ContinuesAtOffset()
    {
        var (device, _) = Running();
        var image = TestDevices.App("resumed", payload: 20_000);
        var target = device.Part("ota_0");
        using (var first = device.Ota.Begin(target, OtaImageSize.Unknown))
        {
            first.Write(image.AsSpan(0, 8192));
        }

        using var resumed = device.Ota.Resume(target, OtaImageSize.Unknown, 8192);
        resumed.Write(image.AsSpan(8192));
        resumed.End();

        Assert.Equal("resumed", device.Ota.GetPartitionDescription(target).Version);
    }

    [Fact]
    public void WriteAt_SequentialSession_InvalidOperation()
    {
        var (device, _) = Running();
        using var update = device.Ota.Begin(device.Part("ota_0"), OtaImageSize.SequentialWrites);

        Assert.Throws<InvalidOperationException>(() => update.WriteAt(0, [0xE9]));
    }

    [Fact]
    public void GetAppDescription_RunningFactory_ReturnsItsVersionAndElfHash()
    {
        var (device, _) = Running();

        var description = device.Ota.GetAppDescription();

        Assert.Equal("factory", description.Version);
        Assert.Equal(Convert.ToHexStringLower(description.AppElfSha256.Span)[..8], device.Ota.GetAppElfSha256(8));
    }

    [Fact]
    public void GetBootloaderDescription_NoBootloaderFlashed_NotFound()
    {
        var (device, _) = Running();

        Assert.Equal(EspError.NotFound, Assert.Throws<EspException>(() => device.Ota.GetBootloaderDescription()).Code);
    }
}
