using EspOta.Device;
using EspOta.Http;
using EspOta.Images;
using EspOta.Partitions;
using EspOta.Security;
using EspOta.Tests.Device;
using EspOta.Tests.Security;
using EspOta.Updates;

namespace EspOta.Tests.Http;

/// <summary>
/// The decrypting stage into a real OTA session on a simulated flash: pre-check before erase, tag
/// check before boot, and resume after a reboot in the middle of a pre-encrypted image.
/// </summary>
public sealed class DecryptingPayloadStageTests : IDisposable
{
    private readonly ImageEncryptionKey _public = ImageEncryptionKey.Load(EncryptedImageVectors.KeyFile("ecc_a", "device_pub_key.pem"));
    private readonly ImageDecryptionKey _device = ImageDecryptionKey.FromHmacKey(File.ReadAllBytes(EncryptedImageVectors.KeyFile("ecc_a", "device_hmac_key.bin")));

    public void Dispose()
    {
        _public.Dispose();
        _device.Dispose();
    }

    private static EspDevice NewDevice()
    {
        var table = TestDevices.Layout(factory: true, slots: 2);
        var device = EspDevice.Open(TestDevices.Flash(table, ("factory", TestDevices.App("1.0.0"))));
        device.Reboot();
        return device;
    }

    /// <summary>What the client's pre-check does with the first plaintext bytes; then (and only then) esp_ota_begin erases.</summary>
    private static Action<ReadOnlySpan<byte>> PrecheckThenBegin(EspDevice device, Partition target, string expectedVersion, Action<OtaUpdate> begun) => header =>
    {
        var description = AppDescription.Read(header[AppDescription.ImageOffset..]);
        if (description.Version != expectedVersion)
        {
            throw new HttpOtaRefusedException(HttpOtaRefusal.AnnouncementMismatch, EspError.InvalidVersion, beforeErase: true, $"image is {description.Version}");
        }

        begun(device.Ota.Begin(target, OtaImageSize.SequentialWrites));
    };

    private static byte[] ReadPartition(EspDevice device, Partition partition, long length)
    {
        var bytes = new byte[length];
        device.Flash.Read(partition.Offset, bytes);
        return bytes;
    }

    [Fact]
    public void EncryptedImage_CutHalfwayRebootedAndResumed_BootsTheNewApp()
    {
        var v2 = TestDevices.App("2.0.0", payload: 200_000);
        var encrypted = EncryptedImageEncryptor.Encrypt(v2, _public);
        var device = NewDevice();
        var target = device.Ota.GetNextUpdatePartition()!;

        OtaUpdate? update = null;
        var stage = new DecryptingPayloadStage(_device, data => update!.Write(data), PrecheckThenBegin(device, target, "2.0.0", u => update = u));
        int half = encrypted.Length / 2;
        stage.Write(encrypted.AsSpan(0, half));
        var checkpoint = stage.Checkpoint!;
        Assert.Equal(update!.BytesWritten, checkpoint.PlaintextWritten);
        Assert.True(checkpoint.PlaintextWritten > 0);

        // The connection drops and the device reboots: every object is gone, the flash and the checkpoint stay.
        update = null;
        device.Reboot();
        Assert.Equal("1.0.0", device.Ota.GetAppDescription().Version);

        using var flashPrefix = new MemoryStream(ReadPartition(device, target, checkpoint.PlaintextWritten));
        var resumed = device.Ota.Resume(target, OtaImageSize.SequentialWrites, checkpoint.PlaintextWritten);
        var again = DecryptingPayloadStage.Resume(_device, checkpoint, flashPrefix, data => resumed.Write(data));
        again.Write(encrypted.AsSpan((int)checkpoint.CiphertextOffset));
        again.Complete();
        resumed.End();
        device.Ota.SetBootPartition(target);
        device.Reboot();

        Assert.Equal("2.0.0", device.Ota.GetAppDescription().Version);
        Assert.Equal(v2, ReadPartition(device, target, v2.Length));
    }

    [Fact]
    public void TamperedCiphertext_FailsTheTagCheckAndTheDeviceStaysOnItsApp()
    {
        var encrypted = EncryptedImageEncryptor.Encrypt(TestDevices.App("2.0.0", payload: 50_000), _public);
        encrypted[^100] ^= 0x01;
        var device = NewDevice();
        var target = device.Ota.GetNextUpdatePartition()!;
        OtaUpdate? update = null;
        var stage = new DecryptingPayloadStage(_device, data => update!.Write(data), PrecheckThenBegin(device, target, "2.0.0", u => update = u));
        stage.Write(encrypted);
        var ex = Assert.Throws<EncryptedImageException>(stage.Complete);
        Assert.Equal(EncryptedImageFailure.AuthenticationFailed, ex.Failure);
        update!.Abort();
        device.Reboot();
        Assert.Equal("1.0.0", device.Ota.GetAppDescription().Version);
        Assert.Equal(device.Part("factory"), device.RunningPartition);
    }

    [Fact]
    public void WrongDeviceKey_IsRefusedBeforeAnythingIsErased()
    {
        // With a wrong ECIES key the AES key is wrong too: the "plaintext" is noise, so the
        // pre-check on the first decrypted bytes refuses it before esp_ota_begin erases anything.
        var encrypted = EncryptedImageEncryptor.Encrypt(TestDevices.App("2.0.0", payload: 50_000), _public);
        var device = NewDevice();
        var target = device.Ota.GetNextUpdatePartition()!;
        var before = ReadPartition(device, target, 64 * 1024);
        using var wrong = ImageDecryptionKey.Load(EncryptedImageVectors.KeyFile("espressif_example_ecc", "device_priv_key.pem"));
        bool begun = false;
        var stage = new DecryptingPayloadStage(wrong, _ => Assert.Fail("no plaintext may pass the pre-check"), PrecheckThenBegin(device, target, "2.0.0", _ => begun = true));
        Assert.ThrowsAny<Exception>(() => stage.Write(encrypted));
        Assert.False(begun);
        Assert.Equal(before, ReadPartition(device, target, before.Length));
    }

    [Fact]
    public void WrongVersion_IsRefusedByThePrecheckBeforeErase()
    {
        var encrypted = EncryptedImageEncryptor.Encrypt(TestDevices.App("9.9.9", payload: 50_000), _public);
        var device = NewDevice();
        var target = device.Ota.GetNextUpdatePartition()!;
        bool begun = false;
        var stage = new DecryptingPayloadStage(_device, _ => Assert.Fail("no plaintext may pass the pre-check"), PrecheckThenBegin(device, target, "2.0.0", _ => begun = true));
        var ex = Assert.Throws<HttpOtaRefusedException>(() => stage.Write(encrypted));
        Assert.True(ex.BeforeErase);
        Assert.False(begun);
    }
}
