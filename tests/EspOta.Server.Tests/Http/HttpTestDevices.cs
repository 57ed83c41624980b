using System.Net;
using System.Net.Http.Json;
using EspOta.Boot;
using EspOta.Device;
using EspOta.Flash;
using EspOta.Http;
using EspOta.Images;
using EspOta.Server.Firmware;
using EspOta.Simulation;

namespace EspOta.Server.Tests.Http;

/// <summary>
/// The device-side setup every over-HTTP test needs: an uploaded image as the offer a device would
/// get, a factory + two OTA flash of the simulated layout, and a booted ESP32 with rollback on.
/// </summary>
internal static class HttpTestDevices
{
    /// <summary>The OTA slot size of the simulated layout these tests use.</summary>
    public const long SlotSize = 0x80000;

    /// <summary>Uploads <paramref name="image"/> (expects 201) and returns the offer for it, with a relative URL so a client behind a proxy downloads through it.</summary>
    public static async Task<UpdateOffer> UploadAsync(OtaTestServer server, byte[] image)
    {
        using var response = await server.UploadAsync(image);
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        var info = (await response.Content.ReadFromJsonAsync<FirmwareInfo>())!;
        return new UpdateOffer(new Uri(info.DownloadUrl).PathAndQuery, info.Size, info.Sha256, info.Project, info.Version, info.SecureVersion, info.Chip);
    }

    /// <summary>A fresh flash with <paramref name="factory"/> in the factory slot.</summary>
    public static MemoryFlash NewFlash(byte[] factory) => MemoryFlash.FromImage(SimulatedDeviceFlash.Build(factory, SlotSize));

    /// <summary>Opens and boots an ESP32 on <paramref name="flash"/> (rollback on unless <paramref name="options"/> say otherwise); a boot that finds nothing fails the test.</summary>
    public static EspDevice BootDevice(IFlash flash, BootOptions? options = null, Efuse? efuse = null)
    {
        var device = EspDevice.Open(flash, options ?? new BootOptions { Rollback = true }, efuse, EspImageValidator.ForChip(Chip.Esp32));
        Assert.False(device.Reboot().IsReset);
        return device;
    }
}
