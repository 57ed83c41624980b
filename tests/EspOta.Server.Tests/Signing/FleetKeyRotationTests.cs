using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using EspOta.Flash;
using EspOta.Http;
using EspOta.Images;
using EspOta.Security;
using EspOta.Server.Signing;
using EspOta.Simulation;
using EspOta.Tests;

namespace EspOta.Server.Tests.Signing;

/// <summary>
/// A fleet rotating from key 0 to key 1 end to end on the real server: the server trusts both, the devices run a
/// key-0 app, a key-1 release goes out, each device confirms it and revokes key 0 in its eFuse, the server revokes
/// key 0; from then a key-0-only image is neither offered by the server nor accepted by a device.
/// </summary>
public sealed class FleetKeyRotationTests
{
    private const string Project = "rotating-app";
    private const long SlotSize = 0x80000;
    private const string Key0 = "rsa3072_a";
    private const string Key1 = "rsa3072_b";

    private static byte[] App(string version, params string[] keys) =>
        SigningEndpointsTests.Signed(TestFirmware.Build(Project, version, chip: Chip.Esp32C3), keys);

    private static SecureBootKeyDigest Digest(string key) => SecureBootKeyDigest.Parse(SigningEndpointsTests.Digest(key));

    private static (SimulatedDevice Device, SecureBootDeviceConfig Config) NewDevice(HttpClient http, string id)
    {
        var flash = MemoryFlash.FromImage(SimulatedDeviceFlash.Build(App("1.0.0", Key0), SlotSize));
        flash.Write(Layout.FlashComposeOptions.BootloaderOffsetFor(Chip.Esp32C3), SigningEndpointsTests.Signed(TestFirmware.Build("bootloader", "bootloader", chip: Chip.Esp32C3, payload: 2048), Key0, Key1));
        var config = SecureBootDeviceConfig.SecureBoot(Chip.Esp32C3, SignatureScheme.Rsa3072, [Digest(Key0), Digest(Key1)]);
        var device = new SimulatedDevice(id, Chip.Esp32C3, flash, new HttpOtaClient(http), new SimulatedDeviceOptions { SecureBoot = config, RevokeKeysOnConfirm = [0] });
        return (device, config);
    }

    private static async Task<string> UploadAsync(OtaTestServer server, byte[] image)
    {
        using var response = await server.UploadAsync(image);
        Assert.True(response.StatusCode == HttpStatusCode.Created, await response.Content.ReadAsStringAsync());
        return (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("sha256").GetString()!;
    }

    private static async Task<JsonElement?> OfferAsync(OtaTestServer server, string id, string version)
    {
        using var response = await server.CheckAsync(new UpdateCheckRequest(id, "esp32c3", Project, version, 0));
        return response.StatusCode == HttpStatusCode.NoContent ? null : await response.Content.ReadFromJsonAsync<JsonElement>();
    }

    [Fact]
    public async Task Rotation_Key0ToKey1_AfterRevocationAKey0OnlyImageIsNeitherOfferedNorAccepted()
    {
        await using var server = await OtaTestServer.StartAsync();
        await SigningEndpointsTests.TrustAsync(server, Project, Key0);
        await SigningEndpointsTests.TrustAsync(server, Project, Key1);
        var fleet = Enumerable.Range(1, 3).Select(i => NewDevice(server.Device, $"rot-{i}")).ToList();

        // The rotation release, signed by key 0 and key 1: every device takes it, confirms it, and then burns KEY_REVOKE0.
        string v2 = await UploadAsync(server, App("2.0.0", Key0, Key1));
        var offer = await OfferAsync(server, "rot-probe", "1.0.0");
        Assert.Equal(
            new[] { SigningEndpointsTests.Digest(Key0), SigningEndpointsTests.Digest(Key1) }.Order(StringComparer.Ordinal),
            offer!.Value.GetProperty("signed_by").EnumerateArray().Select(d => d.GetString()));
        foreach (var (device, config) in fleet)
        {
            var result = await device.RunCycleAsync();
            Assert.True(result.Outcome == DeviceCycleOutcome.Updated, $"{device.Id}: {result.Outcome} {result.Error}");
            Assert.Equal("2.0.0", device.RunningApp!.Version);
            Assert.Equal([true, false, false], config.Efuses.Revoked);
            Assert.Contains(device.Timeline, s => s.Kind == DeviceReportKind.Confirmed && s.Detail!.Contains("KEY_REVOKE0 burnt", StringComparison.Ordinal));
        }

        // Before the server revokes key 0, a key-0-only image is still accepted and offered: the devices refuse it
        // themselves (esp_ota_end: no block verifies with a non-revoked digest) and stay on v2.
        string v3 = await UploadAsync(server, App("3.0.0", Key0));
        Assert.Equal(v3, (await OfferAsync(server, "rot-1", "2.0.0"))!.Value.GetProperty("sha256").GetString());
        foreach (var (device, _) in fleet)
        {
            var result = await device.RunCycleAsync();
            Assert.Equal(DeviceCycleOutcome.Failed, result.Outcome);
            Assert.Equal(EspError.OtaValidateFailed, Assert.IsType<EspException>(result.Error).Code);
            Assert.Equal("2.0.0", device.RunningApp!.Version);
            Assert.Equal("2.0.0", device.Device.Reboot().App!.Version);
        }

        // The server revokes key 0: v3 is no longer offered to anyone, and a new key-0-only upload is refused.
        using (var revoke = await server.Admin.PostAsync($"api/projects/{Project}/signing-keys/{SigningEndpointsTests.Digest(Key0)}/revoke", null))
        {
            Assert.Equal(HttpStatusCode.OK, revoke.StatusCode);
        }

        Assert.Null(await OfferAsync(server, "rot-1", "2.0.0"));
        Assert.NotEqual(v3, (await OfferAsync(server, "rot-new", "1.0.0"))?.GetProperty("sha256").GetString());
        var afterRevoke = (await OfferAsync(server, "rot-new", "1.0.0"))!.Value;
        Assert.Equal(v2, afterRevoke.GetProperty("sha256").GetString());
        Assert.Equal([SigningEndpointsTests.Digest(Key1)], afterRevoke.GetProperty("signed_by").EnumerateArray().Select(d => d.GetString()));
        foreach (var (device, _) in fleet)
        {
            Assert.Equal(DeviceCycleOutcome.UpToDate, (await device.RunCycleAsync()).Outcome);
        }

        using (var refused = await server.UploadAsync(App("3.1.0", Key0)))
        {
            Assert.Equal(HttpStatusCode.UnprocessableEntity, refused.StatusCode);
            Assert.Equal(SignatureRefusalReason.RevokedKey, (await refused.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("reason").GetString());
        }

        // Later releases are signed by key 1 only and flow as usual.
        await UploadAsync(server, App("4.0.0", Key1));
        foreach (var (device, config) in fleet)
        {
            Assert.Equal(DeviceCycleOutcome.Updated, (await device.RunCycleAsync()).Outcome);
            Assert.Equal("4.0.0", device.Device.Reboot().App!.Version);
            Assert.Equal([true, false, false], config.Efuses.Revoked);
        }
    }

    [Fact]
    public async Task SignedAndEncrypted_ASecureBootDeviceInstallsTheEncryptedSignedRelease_AndRefusesAnUnsignedOneTheServerNeverStored()
    {
        // Signing policy and encryption key on one project: the device decrypts on the fly, then verifies the signature.
        await using var server = await OtaTestServer.StartAsync();
        await SigningEndpointsTests.TrustAsync(server, Project, Key0);
        await Encryption.EncryptedProjectTests.SetKeyAsync(server.Admin, Project, Encryption.EncryptedProjectTests.EcdhPublicPem);
        using var deviceKey = Encryption.EncryptedProjectTests.EcdhDeviceKey();
        var flash = MemoryFlash.FromImage(SimulatedDeviceFlash.Build(App("1.0.0", Key0), SlotSize));
        flash.Write(Layout.FlashComposeOptions.BootloaderOffsetFor(Chip.Esp32C3), SigningEndpointsTests.Signed(TestFirmware.Build("bootloader", "bootloader", chip: Chip.Esp32C3, payload: 2048), Key0));
        var config = SecureBootDeviceConfig.SecureBoot(Chip.Esp32C3, SignatureScheme.Rsa3072, [Digest(Key0)]);
        var device = new SimulatedDevice("enc-sig-1", Chip.Esp32C3, flash, new HttpOtaClient(server.Device) { DecryptionKey = deviceKey }, new SimulatedDeviceOptions { SecureBoot = config });

        using (var unsigned = await server.UploadAsync(TestFirmware.Build(Project, "2.0.0", chip: Chip.Esp32C3)))
        {
            Assert.Equal(SignatureRefusalReason.Unsigned, (await unsigned.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("reason").GetString());
        }

        string v2 = await UploadAsync(server, App("2.0.0", Key0));
        var offer = (await OfferAsync(server, "enc-sig-1", "1.0.0"))!.Value;
        Assert.Equal(v2, offer.GetProperty("sha256").GetString());
        Assert.True(offer.GetProperty("encrypted").GetBoolean());
        Assert.Equal([SigningEndpointsTests.Digest(Key0)], offer.GetProperty("signed_by").EnumerateArray().Select(d => d.GetString()));

        var result = await device.RunCycleAsync();

        Assert.True(result.Outcome == DeviceCycleOutcome.Updated, $"{result.Outcome} {result.Error}");
        Assert.Equal("2.0.0", device.RunningApp!.Version);
        Assert.Equal("2.0.0", device.Device.Reboot().App!.Version);
    }
}
