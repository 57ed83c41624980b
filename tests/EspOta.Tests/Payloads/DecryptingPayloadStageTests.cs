using EspOta.Device;
using EspOta.Http;
using EspOta.Images;
using EspOta.Partitions;
using EspOta.Payloads;
using EspOta.Security;
using EspOta.Tests.Device;
using EspOta.Tests.Security;
using EspOta.Updates;

namespace EspOta.Tests.Payloads;

/// <summary>
/// The decrypting stage driven through the payload-stage contract (as <c>RangedDownload</c> drives it)
/// into a real OTA session on a simulated flash: admission before erase, tag check before boot, and
/// resume after a reboot in the middle of a pre-encrypted image.
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

    private static byte[] ReadPartition(EspDevice device, Partition partition, long length)
    {
        var bytes = new byte[length];
        device.Flash.Read(partition.Offset, bytes);
        return bytes;
    }

    /// <summary>The head phase of the contract: push until the stage holds <see cref="PayloadHead.Size"/> image bytes, then the admission check.</summary>
    private static void PushHead(IOtaPayloadStage stage, byte[] body)
    {
        while (stage.ImageHead.Length < PayloadHead.Size && stage.BodyOffset < body.Length)
        {
            int n = (int)Math.Min(PayloadHead.Size - stage.ImageHead.Length, body.Length - stage.BodyOffset);
            stage.Push(body.AsSpan((int)stage.BodyOffset, n));
        }
    }

    private static void Admit(IOtaPayloadStage stage, string expectedVersion)
    {
        var description = AppDescription.Read(stage.ImageHead.Span[AppDescription.ImageOffset..]);
        if (description.Magic != AppDescription.MagicWord || description.Version != expectedVersion)
        {
            throw new HttpOtaRefusedException(HttpOtaRefusal.AnnouncementMismatch, EspError.InvalidVersion, beforeErase: true, $"image is {description.Version}");
        }
    }

    private static PayloadCheckpoint PushUntil(IOtaPayloadStage stage, byte[] body, long end, int chunk = 3000)
    {
        PayloadCheckpoint? last = null;
        while (stage.BodyOffset < end)
        {
            int n = (int)Math.Min(chunk, end - stage.BodyOffset);
            stage.Push(body.AsSpan((int)stage.BodyOffset, n));
            last = stage.Checkpoint();
        }

        return last ?? stage.Checkpoint();
    }

    [Fact]
    public void EncryptedImage_CutHalfwayRebootedAndResumed_BootsTheNewApp()
    {
        var v2 = TestDevices.App("2.0.0", payload: 200_000);
        var body = EncryptedImageEncryptor.Encrypt(v2, _public);
        var device = NewDevice();
        var target = device.Ota.GetNextUpdatePartition()!;

        var stage = new DecryptingPayloadStage(_device);
        Assert.False(stage.ImageIsBody);
        PushHead(stage, body);
        Admit(stage, "2.0.0");
        var update = device.Ota.Begin(target, OtaImageSize.SequentialWrites);
        stage.Attach(update);
        var checkpoint = PushUntil(stage, body, body.Length / 2);
        Assert.Equal(update.BytesWritten, checkpoint.ImageLength);
        Assert.Equal(EncryptedImageHeader.Size + checkpoint.ImageLength, checkpoint.BodyOffset);

        // The connection drops and the device reboots: every object is gone, the flash and the checkpoint stay.
        device.Reboot();
        Assert.Equal("1.0.0", device.Ota.GetAppDescription().Version);

        var resumed = new DecryptingPayloadStage(_device);
        resumed.Restore(checkpoint);
        Assert.True(resumed.ImageHead.IsEmpty);
        Assert.Equal(checkpoint.BodyOffset, resumed.BodyOffset);
        var session = device.Ota.Resume(target, OtaImageSize.SequentialWrites, checkpoint.ImageLength);
        resumed.Attach(session);
        PushUntil(resumed, body, body.Length);
        resumed.Complete();
        Assert.Equal(v2.Length, resumed.ImageLength);
        session.End();
        device.Ota.SetBootPartition(target);
        device.Reboot();

        Assert.Equal("2.0.0", device.Ota.GetAppDescription().Version);
        Assert.Equal(v2, ReadPartition(device, target, v2.Length));
    }

    [Fact]
    public void Restore_AfterTheFlashPrefixChanged_FailsTheTagCheck()
    {
        var body = EncryptedImageEncryptor.Encrypt(TestDevices.App("2.0.0", payload: 100_000), _public);
        var device = NewDevice();
        var target = device.Ota.GetNextUpdatePartition()!;
        var stage = new DecryptingPayloadStage(_device);
        PushHead(stage, body);
        var update = device.Ota.Begin(target, OtaImageSize.SequentialWrites);
        stage.Attach(update);
        var checkpoint = PushUntil(stage, body, body.Length / 2);
        device.Reboot();

        // A bit of the written prefix changes (say a torn write): programming can only clear a set bit.
        var one = new byte[1];
        long at = target.Offset + 5000;
        for (device.Flash.Read(at, one); one[0] == 0; device.Flash.Read(at, one))
        {
            at++;
        }

        Assert.True(at < target.Offset + checkpoint.ImageLength);
        one[0] &= (byte)(one[0] - 1);
        device.Flash.Write(at, one);

        var resumed = new DecryptingPayloadStage(_device);
        resumed.Restore(checkpoint);
        resumed.Attach(device.Ota.Resume(target, OtaImageSize.SequentialWrites, checkpoint.ImageLength));
        PushUntil(resumed, body, body.Length);
        var ex = Assert.Throws<EncryptedImageException>(resumed.Complete);
        Assert.Equal(EncryptedImageFailure.AuthenticationFailed, ex.Failure);
    }

    [Fact]
    public void TamperedCiphertext_FailsTheTagCheckAndTheDeviceStaysOnItsApp()
    {
        var body = EncryptedImageEncryptor.Encrypt(TestDevices.App("2.0.0", payload: 50_000), _public);
        body[^100] ^= 0x01;
        var device = NewDevice();
        var target = device.Ota.GetNextUpdatePartition()!;
        var stage = new DecryptingPayloadStage(_device);
        PushHead(stage, body);
        Admit(stage, "2.0.0");
        var update = device.Ota.Begin(target, OtaImageSize.SequentialWrites);
        stage.Attach(update);
        PushUntil(stage, body, body.Length);
        var ex = Assert.Throws<EncryptedImageException>(stage.Complete);
        Assert.Equal(EncryptedImageFailure.AuthenticationFailed, ex.Failure);
        Assert.Equal(EspError.Fail, ex.Code);
        update.Abort();
        device.Reboot();
        Assert.Equal("1.0.0", device.Ota.GetAppDescription().Version);
        Assert.Equal(device.Part("factory"), device.RunningPartition);
    }

    [Fact]
    public void WrongDeviceKey_IsRefusedByTheAdmissionBeforeAnythingIsErased()
    {
        // With a wrong ECIES key the AES key is wrong: the head is noise and the admission check
        // refuses it before esp_ota_begin erases anything. (An RSA key fails even earlier, at the key area.)
        var body = EncryptedImageEncryptor.Encrypt(TestDevices.App("2.0.0", payload: 50_000), _public);
        var device = NewDevice();
        var target = device.Ota.GetNextUpdatePartition()!;
        var before = ReadPartition(device, target, 64 * 1024);
        long erases = ((EspOta.Flash.MemoryFlash)device.Flash).Statistics.Erases;
        using var wrong = ImageDecryptionKey.Load(EncryptedImageVectors.KeyFile("espressif_example_ecc", "device_priv_key.pem"));
        var stage = new DecryptingPayloadStage(wrong);
        PushHead(stage, body);
        Assert.Throws<HttpOtaRefusedException>(() => Admit(stage, "2.0.0"));
        Assert.Equal(erases, ((EspOta.Flash.MemoryFlash)device.Flash).Statistics.Erases);
        Assert.Equal(before, ReadPartition(device, target, before.Length));
    }

    [Fact]
    public void Restore_BadCheckpoint_IsInvalidArg()
    {
        var stage = new DecryptingPayloadStage(_device);
        Assert.Equal(EspError.InvalidArg, Assert.Throws<EspException>(() => stage.Restore(new PayloadCheckpoint(600, 88, null))).Code);
        var header = EncryptedImageEncryptor.Encrypt(new byte[100], _public)[..EncryptedImageHeader.Size];
        Assert.Equal(EspError.InvalidArg, Assert.Throws<EspException>(() => new DecryptingPayloadStage(_device).Restore(new PayloadCheckpoint(700, 100, header))).Code);
        Assert.Equal(EspError.InvalidArg, Assert.Throws<EspException>(() => new DecryptingPayloadStage(_device).Restore(new PayloadCheckpoint(512 + 200, 200, header))).Code);
    }
}
