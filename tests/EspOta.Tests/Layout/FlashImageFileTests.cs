using EspOta.Boot;
using EspOta.Device;
using EspOta.Layout;
using EspOta.Tests.Device;
using EspOta.Updates;

namespace EspOta.Tests.Layout;

/// <summary>Issue 16 item 1: a flash image file updated with a crash at any moment still boots a valid app.</summary>
public sealed class FlashImageFileTests : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("espota-flashfile-").FullName;

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    [Fact]
    public void WriteAtomically_FailureAtEveryPoint_LeavesOldOrNewImageThatBoots()
    {
        var table = FlashLayout.FactoryAndTwoOta(0x20000, 0x20000);
        var oldImage = FlashImage.Compose(table, null, [("factory", TestDevices.App("v1", payload: 0x8000))]).ToArray();

        // The new content: an OTA of v2 into ota_0, set to boot.
        var flash = EspOta.Flash.MemoryFlash.FromImage(oldImage);
        var device = EspDevice.Open(flash);
        device.Reboot();
        using (var update = device.Ota.Begin(device.Part("ota_0"), OtaImageSize.SequentialWrites))
        {
            update.Write(TestDevices.App("v2", payload: 0x8000));
            update.End();
        }

        device.Ota.SetBootPartition(device.Part("ota_0"));
        var newImage = flash.Contents.ToArray();
        Assert.NotEqual(oldImage, newImage);

        string path = Path.Combine(_folder, "flash.bin");
        var points = new List<string>();
        File.WriteAllBytes(path, oldImage);
        FlashImageFile.WriteAtomically(path, newImage, points.Add);
        Assert.Contains("flushed", points);
        Assert.True(points.Count >= 5, $"only {points.Count} fault points");

        int sawOld = 0, sawNew = 0;
        foreach (string point in points)
        {
            File.WriteAllBytes(path, oldImage);
            Assert.Throws<InjectedCrash>(() => FlashImageFile.WriteAtomically(path, newImage, p =>
            {
                if (p == point)
                {
                    throw new InjectedCrash();
                }
            }));

            var onDisk = File.ReadAllBytes(path);
            bool isOld = onDisk.AsSpan().SequenceEqual(oldImage);
            bool isNew = onDisk.AsSpan().SequenceEqual(newImage);
            Assert.True(isOld || isNew, $"after a crash at '{point}' the file is neither the old nor the new image ({onDisk.Length} bytes)");
            sawOld += isOld ? 1 : 0;
            sawNew += isNew ? 1 : 0;

            var boot = EspDevice.Open(FlashImageFile.Load(path)).Reboot();
            Assert.False(boot.IsReset, $"after a crash at '{point}' nothing boots");
            Assert.Equal(isNew ? "v2" : "v1", boot.App!.Version);
            Assert.Single(Directory.GetFiles(_folder));
        }

        Assert.True(sawOld > 0 && sawNew > 0, $"old {sawOld}, new {sawNew}: the sweep must cover both sides of the rename");
    }

    [Fact]
    public void Save_UnpaddedImage_KeepsDataWrittenPastItsEnd()
    {
        var table = FlashLayout.FactoryAndTwoOta(0x20000, 0x20000);
        var image = FlashImage.Compose(table, null, [("factory", TestDevices.App("v1", payload: 0x8000))]).ToArray();
        int used = Array.FindLastIndex(image, b => b != 0xFF) + 1;
        string path = Path.Combine(_folder, "unpadded.bin");
        File.WriteAllBytes(path, image[..used]);

        var flash = FlashImageFile.Load(path);
        Assert.Equal(FlashLayout.End(table), flash.Size);
        flash.Write(table.FindFirst(label: "ota_1")!.Offset, [0x12, 0x34]);
        FlashImageFile.Save(path, flash, used);

        var saved = File.ReadAllBytes(path);
        Assert.Equal(0, saved.Length % 0x1000);
        Assert.Equal(0x12, saved[table.FindFirst(label: "ota_1")!.Offset]);
        Assert.Equal(image[..used], saved[..used]);
    }

    private sealed class InjectedCrash : Exception;
}
