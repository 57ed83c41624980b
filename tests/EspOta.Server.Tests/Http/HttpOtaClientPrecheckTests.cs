using EspOta.Boot;
using EspOta.Device;
using EspOta.Flash;
using EspOta.Http;
using EspOta.Simulation;
using EspOta.Images;

namespace EspOta.Server.Tests.Http;

/// <summary>The header checks of <see cref="ImageAdmission.Check"/>, on a booted device, without a server.</summary>
public sealed class HttpOtaClientPrecheckTests
{
    private static readonly byte[] Running = TestFirmware.Build("app", "1.0.0", secureVersion: 1);

    [Fact]
    public void Precheck_NewerVersionSameProject_ReturnsItsDescription()
    {
        var image = TestFirmware.Build("app", "1.1.0", secureVersion: 1);

        var app = ImageAdmission.Check(Boot(), Chip.Esp32, Offer(image, "app", "1.1.0", 1), image.AsSpan(0, HttpOtaClientOptions.HeaderSize));

        Assert.Equal(("app", "1.1.0", 1u), (app.ProjectName, app.Version, app.SecureVersion));
    }

    [Fact]
    public void Precheck_OtherProject_RefusesWrongProject()
    {
        var image = TestFirmware.Build("other", "2.0.0", secureVersion: 1);

        var e = Assert.Throws<HttpOtaRefusedException>(() => ImageAdmission.Check(Boot(), Chip.Esp32, Offer(image, "other", "2.0.0", 1), image));

        Assert.Equal((HttpOtaRefusal.WrongProject, EspError.InvalidVersion, true), (e.Refusal, e.Code, e.BeforeErase));
    }

    [Fact]
    public void Precheck_LowerSecureVersionThanRunningApp_RefusesEvenWithoutEfuse()
    {
        var image = TestFirmware.Build("app", "2.0.0", secureVersion: 0);

        var e = Assert.Throws<HttpOtaRefusedException>(() => ImageAdmission.Check(Boot(), Chip.Esp32, Offer(image, "app", "2.0.0", 0), image));

        Assert.Equal((HttpOtaRefusal.SecureVersionTooLow, EspError.OtaSmallSecVer), (e.Refusal, e.Code));
    }

    [Fact]
    public void Precheck_ServerAnnouncedAnotherVersion_RefusesAnnouncementMismatch()
    {
        var image = TestFirmware.Build("app", "2.0.0", secureVersion: 1);

        var e = Assert.Throws<HttpOtaRefusedException>(() => ImageAdmission.Check(Boot(), Chip.Esp32, Offer(image, "app", "2.0.1", 1), image));

        Assert.Equal(HttpOtaRefusal.AnnouncementMismatch, e.Refusal);
    }

    [Fact]
    public void Precheck_BootloaderImage_RefusesNotAnAppImage()
    {
        var image = VectorImages.Bytes(VectorImages.Bootloader);

        var e = Assert.Throws<HttpOtaRefusedException>(() => ImageAdmission.Check(Boot(), Chip.Esp32, Offer(image, "app", "2.0.0", 1), image));

        Assert.Equal((HttpOtaRefusal.NotAnAppImage, EspError.OtaValidateFailed), (e.Refusal, e.Code));
    }

    [Fact]
    public void Precheck_ShorterThanTheDescription_RefusesNotAnAppImage()
    {
        var image = TestFirmware.Build("app", "2.0.0", secureVersion: 1);

        var e = Assert.Throws<HttpOtaRefusedException>(() => ImageAdmission.Check(Boot(), Chip.Esp32, Offer(image, "app", "2.0.0", 1), image.AsSpan(0, 100)));

        Assert.Equal(HttpOtaRefusal.NotAnAppImage, e.Refusal);
    }

    private static EspDevice Boot()
    {
        var device = EspDevice.Open(
            MemoryFlash.FromImage(SimulatedDeviceFlash.Build(Running, 0x40000)),
            new BootOptions { Rollback = true },
            validator: EspImageValidator.ForChip(Chip.Esp32));
        Assert.False(device.Reboot().IsReset);
        return device;
    }

    private static UpdateOffer Offer(byte[] image, string project, string version, uint secureVersion) =>
        new("/unused", image.Length, new string('0', 64), project, version, secureVersion, "esp32");
}
