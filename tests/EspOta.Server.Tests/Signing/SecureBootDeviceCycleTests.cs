using System.Net;
using System.Net.Http.Json;
using EspOta.Flash;
using EspOta.Http;
using EspOta.Images;
using EspOta.Security;
using EspOta.Simulation;
using EspOta.Tests;

namespace EspOta.Server.Tests.Signing;

/// <summary>
/// Simulated Secure Boot v2 devices against the real server: a key rotation (key0+key1 → confirm → revoke key0 on the
/// device and the server → key1-only images), and unsigned images refused by the server policy and by the device.
/// </summary>
public sealed class SecureBootDeviceCycleTests
{
    private const string Project = "secure-app";
    private const long SlotSize = 0x80000;

    private static string KeyFile(string name) => Vectors.PathOf("secure-boot", "keys", name);

    private static byte[] Signed(byte[] image, params string[] keys)
    {
        var loaded = keys.Select(k => SecureBootSigningKey.Load(KeyFile(k + ".pem"))).ToList();
        try
        {
            return ImageSigner.Sign(image, loaded).Bytes;
        }
        finally
        {
            loaded.ForEach(k => k.Dispose());
        }
    }

    private static SecureBootKeyDigest Digest(string key) => SecureBootKeyDigest.FromBytes(File.ReadAllBytes(KeyFile(key + ".digest.bin")));

    private static byte[] App(string project, string version) => TestFirmware.Build(project, version, chip: Chip.Esp32C3);

    /// <summary>An ESP32-C3 with key a and key b in its digest slots, a bootloader signed by both, and a factory app signed by <paramref name="factoryKeys"/>.</summary>
    private static SimulatedDevice NewDevice(HttpClient http, string id, byte[] factory, out SecureBootDeviceConfig config)
    {
        var flash = MemoryFlash.FromImage(SimulatedDeviceFlash.Build(factory, SlotSize));
        flash.Write(Layout.FlashComposeOptions.BootloaderOffsetFor(Chip.Esp32C3), Signed(TestFirmware.Build("bootloader", "bootloader", chip: Chip.Esp32C3, payload: 2048), "rsa3072_a", "rsa3072_b"));
        config = SecureBootDeviceConfig.SecureBoot(Chip.Esp32C3, SignatureScheme.Rsa3072, [Digest("rsa3072_a"), Digest("rsa3072_b")]);
        return new SimulatedDevice(id, Chip.Esp32C3, flash, new HttpOtaClient(http), new SimulatedDeviceOptions { SecureBoot = config });
    }

    private static async Task UploadAsync(OtaTestServer server, byte[] image)
    {
        using var response = await server.UploadAsync(image);
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
    }

    [Fact]
    public async Task KeyRotation_RevokeKey0OnDevice_Key1OnlyImageInstalls()
    {
        await using var server = await OtaTestServer.StartAsync();
        var device = NewDevice(server.Device, "sb-1", Signed(App(Project, "1.0.0"), "rsa3072_a"), out var config);

        await UploadAsync(server, Signed(App(Project, "2.0.0"), "rsa3072_a", "rsa3072_b"));
        var v2 = await device.RunCycleAsync();
        Assert.Equal(DeviceCycleOutcome.Updated, v2.Outcome);
        Assert.Equal("2.0.0", device.RunningApp!.Version);

        // v2 is confirmed and also signed by key b: key a can go.
        device.Device.RevokeSecureBootPublicKey(0);
        Assert.True(config.Efuses.Revoked[0]);

        // An image signed by the revoked key only is refused by the device, which stays on v2.
        await UploadAsync(server, Signed(App(Project, "2.5.0"), "rsa3072_a"));
        var old = await device.RunCycleAsync();
        Assert.NotEqual(DeviceCycleOutcome.Updated, old.Outcome);
        Assert.Equal("2.0.0", device.RunningApp!.Version);

        await UploadAsync(server, Signed(App(Project, "3.0.0"), "rsa3072_b"));
        var v3 = await device.RunCycleAsync();
        Assert.Equal(DeviceCycleOutcome.Updated, v3.Outcome);
        Assert.Equal("3.0.0", device.RunningApp!.Version);

        // An unsigned v4 is refused by the device itself.
        await UploadAsync(server, App(Project, "4.0.0"));
        Assert.NotEqual(DeviceCycleOutcome.Updated, (await device.RunCycleAsync()).Outcome);
        Assert.Equal("3.0.0", device.RunningApp!.Version);
    }

    [Theory]
    [InlineData("")]
    [InlineData("rsa3072_c")]
    public async Task ProjectWithoutPolicy_UnsignedOrForeignImage_DeviceRefusesAndStaysOnItsApp(string signer)
    {
        const string plain = "plain-secure-app";
        await using var server = await OtaTestServer.StartAsync();
        var device = NewDevice(server.Device, "sb-2", Signed(App(plain, "1.0.0"), "rsa3072_a"), out _);
        var image = App(plain, "2.0.0");
        await UploadAsync(server, signer.Length == 0 ? image : Signed(image, signer));

        var result = await device.RunCycleAsync();

        Assert.Equal(DeviceCycleOutcome.Failed, result.Outcome);
        Assert.Equal(EspError.OtaValidateFailed, Assert.IsType<EspException>(result.Error).Code);
        Assert.Equal("1.0.0", device.RunningApp!.Version);
        Assert.Equal("factory", device.Device.RunningPartition!.Label);
        Assert.Equal("factory", device.Device.Reboot().Booted!.Label);
        Assert.Equal(DeviceReportKind.Failed, device.Timeline[^1].Kind);
    }
}
