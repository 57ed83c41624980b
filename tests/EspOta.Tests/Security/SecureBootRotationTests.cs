using EspOta.Device;
using EspOta.Images;
using EspOta.Security;
using EspOta.Tests.Device;
using EspOta.Updates;

namespace EspOta.Tests.Security;

/// <summary>A key rotation on a Secure Boot v2 device: key0+key1 image → confirm → revoke key0 → key1-only images.</summary>
public sealed class SecureBootRotationTests
{
    private static byte[] Signed(byte[] image, params string[] keys)
    {
        var loaded = keys.Select(k => SecureBootSigningKey.FromPem(SecureBootVectors.PrivatePem(k))).ToList();
        try
        {
            return ImageSigner.Sign(image, loaded).Bytes;
        }
        finally
        {
            loaded.ForEach(k => k.Dispose());
        }
    }

    private static void Install(EspDevice device, byte[] image)
    {
        var next = device.Ota.GetNextUpdatePartition()!;
        using (var update = device.Ota.Begin(next, OtaImageSize.Unknown))
        {
            update.Write(image);
            update.End();
        }

        device.Ota.SetBootPartition(next);
    }

    [Fact]
    public void Rotation_RevokeOldKey_OnlyNewKeyImagesInstallAndBoot()
    {
        var table = TestDevices.Layout(factory: true, slots: 2);
        var flash = TestDevices.Flash(table,
            ("factory", Signed(TestDevices.App("1.0.0"), "rsa3072_a")));
        flash.Write(0, Signed(new AppImageBuilder(Chip.Esp32C3).WithVersion("bootloader").WithPayload(2048).Build(), "rsa3072_a", "rsa3072_b"));
        var config = SecureBootDeviceConfig.SecureBoot(Chip.Esp32C3, SignatureScheme.Rsa3072, [SecureBootVectors.Digest("rsa3072_a"), SecureBootVectors.Digest("rsa3072_b")]);
        var device = EspDevice.OpenSigned(flash, config);
        Assert.Equal("factory", device.Reboot().Booted!.Label);

        // Unsigned and foreign-signed updates are refused by esp_ota_end; the device stays on its app.
        Assert.Equal(EspError.OtaValidateFailed, Assert.Throws<EspException>(() => Install(device, TestDevices.App("9.0.0"))).Code);
        Assert.Equal(EspError.OtaValidateFailed, Assert.Throws<EspException>(() => Install(device, Signed(TestDevices.App("9.0.1"), "rsa3072_c"))).Code);
        Assert.Equal("factory", device.Reboot().Booted!.Label);

        // The factory app is signed by key a only: key a cannot be revoked yet.
        Assert.Equal(EspError.Fail, Assert.Throws<EspException>(() => device.RevokeSecureBootPublicKey(0)).Code);

        Install(device, Signed(TestDevices.App("2.0.0"), "rsa3072_a", "rsa3072_b"));
        Assert.Equal("2.0.0", device.Reboot().App!.Version);
        device.Ota.MarkAppValidCancelRollback();
        device.RevokeSecureBootPublicKey(0);
        Assert.True(config.Efuses.Revoked[0]);

        Assert.Equal(EspError.OtaValidateFailed, Assert.Throws<EspException>(() => Install(device, Signed(TestDevices.App("3.0.0"), "rsa3072_a"))).Code);
        Install(device, Signed(TestDevices.App("3.0.1"), "rsa3072_b"));
        Assert.Equal("3.0.1", device.Reboot().App!.Version);

        // The factory app (key a only) no longer boots: with both OTA slots erased nothing is left.
        flash.Erase(table.FindFirst(label: "ota_0")!.Offset, TestDevices.AppSize);
        flash.Erase(table.FindFirst(label: "ota_1")!.Offset, TestDevices.AppSize);
        Assert.True(device.Reboot().IsReset);
    }
}
