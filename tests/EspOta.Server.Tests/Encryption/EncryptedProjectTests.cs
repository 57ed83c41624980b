using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text.Json;
using EspOta.Http;
using EspOta.Security;
using EspOta.Server.Encryption;
using EspOta.Server.Firmware;
using EspOta.Tests;

namespace EspOta.Server.Tests.Encryption;

/// <summary>
/// A project with an encryption key on the real server: the key endpoints, uploads stored only as
/// esp_encrypted_img ciphertext, offers and downloads of the ciphertext, and no plaintext anywhere
/// in the data folder (issue 11).
/// </summary>
public sealed class EncryptedProjectTests
{
    private const string Project = "crypt-app";

    internal static string KeyPath(string key, string file) => Vectors.PathOf("encrypted-images", "keys", key, file);

    internal static string EcdhPublicPem => File.ReadAllText(KeyPath("ecc_a", "device_pub_key.pem"));

    internal static ImageDecryptionKey EcdhDeviceKey() => ImageDecryptionKey.FromHmacKey(File.ReadAllBytes(KeyPath("ecc_a", "device_hmac_key.bin")));

    internal static async Task SetKeyAsync(HttpClient admin, string project, string pem)
    {
        using var response = await admin.PutAsJsonAsync($"/api/projects/{project}/encryption-key", new { public_key_pem = pem });
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    private static async Task<FirmwareInfo> UploadAsync(OtaTestServer server, byte[] image)
    {
        using var response = await server.UploadAsync(image);
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        return (await response.Content.ReadFromJsonAsync<FirmwareInfo>())!;
    }

    private static async Task<string> ProblemTypeAsync(HttpResponseMessage response)
    {
        using var json = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        return json.RootElement.GetProperty("type").GetString()!;
    }

    [Fact]
    public async Task Key_SetGetRemove_ThroughTheAdminApi()
    {
        await using var server = await OtaTestServer.StartAsync();
        using var rsa = ImageDecryptionKey.Load(KeyPath("rsa_a", "rsa_priv_key.pem"));
        string rsaPublic = rsa.PublicKey.ExportPem();

        using (var missing = await server.Admin.GetAsync($"/api/projects/{Project}/encryption-key"))
        {
            Assert.Equal(HttpStatusCode.NotFound, missing.StatusCode);
        }

        await SetKeyAsync(server.Admin, Project, rsaPublic);
        var info = (await server.Admin.GetFromJsonAsync<EncryptionKeyInfo>($"/api/projects/{Project}/encryption-key"))!;
        Assert.Equal("rsa3072", info.Scheme);
        Assert.Equal(rsa.PublicKey.Fingerprint, info.Fingerprint);
        Assert.Equal(Project, info.Project);

        // Replacing: the newest key wins.
        await SetKeyAsync(server.Admin, Project, EcdhPublicPem);
        info = (await server.Admin.GetFromJsonAsync<EncryptionKeyInfo>($"/api/projects/{Project}/encryption-key"))!;
        Assert.Equal("ecies-p256", info.Scheme);

        using (var removed = await server.Admin.DeleteAsync($"/api/projects/{Project}/encryption-key"))
        {
            Assert.Equal(HttpStatusCode.NoContent, removed.StatusCode);
        }

        using var again = await server.Admin.DeleteAsync($"/api/projects/{Project}/encryption-key");
        Assert.Equal(HttpStatusCode.NotFound, again.StatusCode);
    }

    public static TheoryData<string, string> BadKeys => new()
    {
        { "private", "rsa_a/rsa_priv_key.pem" },
        { "private-ec", "ecc_a/device_priv_key.pem" },
        { "not-a-key", "" },
    };

    [Theory]
    [MemberData(nameof(BadKeys))]
    public async Task Key_PrivateOrNotAKey_Refused422(string kind, string file)
    {
        await using var server = await OtaTestServer.StartAsync();
        string pem = file.Length > 0 ? File.ReadAllText(KeyPath(file.Split('/')[0], file.Split('/')[1])) : "hello " + kind;

        using var response = await server.Admin.PutAsJsonAsync($"/api/projects/{Project}/encryption-key", new { public_key_pem = pem });

        Assert.Equal(HttpStatusCode.UnprocessableEntity, response.StatusCode);
        Assert.Equal(ProblemTypes.InvalidEncryptionKey, await ProblemTypeAsync(response));
        using var get = await server.Admin.GetAsync($"/api/projects/{Project}/encryption-key");
        Assert.Equal(HttpStatusCode.NotFound, get.StatusCode);
    }

    [Fact]
    public async Task Key_WithoutApiKey_Is401()
    {
        await using var server = await OtaTestServer.StartAsync();
        using var response = await server.Device.PutAsJsonAsync($"/api/projects/{Project}/encryption-key", new { public_key_pem = EcdhPublicPem });
        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        using var get = await server.Device.GetAsync($"/api/projects/{Project}/encryption-key");
        Assert.Equal(HttpStatusCode.Unauthorized, get.StatusCode);
    }

    [Fact]
    public async Task Upload_ToEncryptedProject_StoresOnlyCiphertextThatDecryptsToTheUpload()
    {
        await using var server = await OtaTestServer.StartAsync();
        await SetKeyAsync(server.Admin, Project, EcdhPublicPem);
        var plain = TestFirmware.Build(Project, "2.0.0", payload: 150_000);

        var info = await UploadAsync(server, plain);

        var stored = File.ReadAllBytes(Path.Combine(server.DataDirectory, "images", info.Sha256 + ".bin"));
        Assert.Equal(Convert.ToHexStringLower(SHA256.HashData(stored)), info.Sha256);
        Assert.Equal(stored.Length, info.Size);
        Assert.Equal(plain.Length + EncryptedImageHeader.Size, stored.Length);
        Assert.True(EncryptedImageHeader.StartsWithMagic(stored));
        using var device = EcdhDeviceKey();
        Assert.Equal(plain, EncryptedImageDecryptor.Decrypt(stored, device));
        var encryption = Assert.IsType<FirmwareEncryption>(info.Encryption);
        Assert.Equal(Convert.ToHexStringLower(SHA256.HashData(plain)), encryption.ImageSha256);
        Assert.Equal(plain.Length, encryption.ImageSize);
        Assert.Equal("ecies-p256", encryption.Scheme);
        Assert.Equal("2.0.0", info.Version);
        Assert.Equal(Project, info.Project);
        Assert.Empty(Directory.EnumerateFiles(Path.Combine(server.DataDirectory, "tmp")));

        // The same plain image again: the (project, version, chip) is taken, whatever the fresh ciphertext.
        using var again = await server.UploadAsync(plain);
        Assert.Equal(HttpStatusCode.Conflict, again.StatusCode);
        Assert.Single(Directory.EnumerateFiles(Path.Combine(server.DataDirectory, "images")));
        var listed = (await server.Admin.GetFromJsonAsync<FirmwareInfo[]>("/api/firmware"))!;
        Assert.Equal(encryption, Assert.Single(listed).Encryption);
    }

    [Fact]
    public async Task Upload_RsaProject_DecryptsWithTheRsaPrivateKey()
    {
        await using var server = await OtaTestServer.StartAsync();
        using var rsa = ImageDecryptionKey.Load(KeyPath("rsa_a", "rsa_priv_key.pem"));
        await SetKeyAsync(server.Admin, Project, rsa.PublicKey.ExportPem());
        var plain = TestFirmware.Build(Project, "2.0.0", payload: 70_001);

        var info = await UploadAsync(server, plain);

        var stored = File.ReadAllBytes(Path.Combine(server.DataDirectory, "images", info.Sha256 + ".bin"));
        Assert.Equal(plain, EncryptedImageDecryptor.Decrypt(stored, rsa));
        Assert.Equal("rsa3072", info.Encryption!.Scheme);
    }

    [Fact]
    public async Task Upload_InvalidImageToEncryptedProject_Refused422AndNothingKept()
    {
        await using var server = await OtaTestServer.StartAsync();
        await SetKeyAsync(server.Admin, Project, EcdhPublicPem);
        var plain = TestFirmware.Build(Project, "2.0.0", payload: 50_000);
        plain[30_000] ^= 0x55; // segment data: checksum and appended SHA-256 fail

        using var response = await server.UploadAsync(plain);

        Assert.Equal(HttpStatusCode.UnprocessableEntity, response.StatusCode);
        Assert.Equal(ProblemTypes.InvalidImage, await ProblemTypeAsync(response));
        Assert.Empty(Directory.EnumerateFiles(Path.Combine(server.DataDirectory, "images")));
        Assert.Empty(Directory.EnumerateFiles(Path.Combine(server.DataDirectory, "tmp")));
    }

    [Fact]
    public async Task Upload_PreEncryptedFile_Refused422WithItsOwnType()
    {
        await using var server = await OtaTestServer.StartAsync();
        using var key = ImageEncryptionKey.FromPem(EcdhPublicPem);
        var encrypted = EncryptedImageEncryptor.Encrypt(TestFirmware.Build(Project, "2.0.0"), key);

        using var response = await server.UploadAsync(encrypted);

        Assert.Equal(HttpStatusCode.UnprocessableEntity, response.StatusCode);
        Assert.Equal(ProblemTypes.EncryptedUpload, await ProblemTypeAsync(response));
    }

    [Fact]
    public async Task Offer_ForEncryptedImage_SaysEncryptedAndDownloadServesTheCiphertextWithRanges()
    {
        await using var server = await OtaTestServer.StartAsync();
        await SetKeyAsync(server.Admin, Project, EcdhPublicPem);
        var plain = TestFirmware.Build(Project, "2.0.0", payload: 100_000);
        var info = await UploadAsync(server, plain);

        using var check = await server.CheckAsync(new { device_id = "dev-1", chip = "esp32", project = Project, version = "1.0.0", secure_version = 0 });
        Assert.Equal(HttpStatusCode.OK, check.StatusCode);
        var offer = (await check.Content.ReadFromJsonAsync<UpdateOffer>())!;
        Assert.True(offer.Encrypted);
        Assert.Equal(info.Sha256, offer.Sha256);
        Assert.Equal(info.Size, offer.Size);
        Assert.Equal(info.Encryption!.ImageSha256, offer.ImageSha256);
        Assert.Equal(plain.Length, offer.ImageSize);
        Assert.Null(offer.Patch);

        var stored = File.ReadAllBytes(Path.Combine(server.DataDirectory, "images", info.Sha256 + ".bin"));
        using var request = new HttpRequestMessage(HttpMethod.Get, "/" + offer.Url);
        request.Headers.Range = new RangeHeaderValue(1000, 1999);
        request.Headers.IfRange = new RangeConditionHeaderValue(new EntityTagHeaderValue($"\"{offer.Sha256}\""));
        using var ranged = await server.Device.SendAsync(request);
        Assert.Equal(HttpStatusCode.PartialContent, ranged.StatusCode);
        Assert.Equal($"\"{info.Sha256}\"", ranged.Headers.ETag!.Tag);
        Assert.Equal(stored.AsSpan(1000, 1000).ToArray(), await ranged.Content.ReadAsByteArrayAsync());

        // An If-Range with another ETag (e.g. the plain image's hash) gets the whole ciphertext.
        using var stale = new HttpRequestMessage(HttpMethod.Get, "/" + offer.Url);
        stale.Headers.Range = new RangeHeaderValue(1000, 1999);
        stale.Headers.IfRange = new RangeConditionHeaderValue(new EntityTagHeaderValue($"\"{offer.ImageSha256}\""));
        using var whole = await server.Device.SendAsync(stale);
        Assert.Equal(HttpStatusCode.OK, whole.StatusCode);
        Assert.Equal(stored, await whole.Content.ReadAsByteArrayAsync());
    }

    [Fact]
    public async Task Install_EncryptedOfferWithAnotherImageSha256_RefusedWithTheBootPartitionUnchanged()
    {
        await using var server = await OtaTestServer.StartAsync();
        await SetKeyAsync(server.Admin, Project, EcdhPublicPem);
        await UploadAsync(server, TestFirmware.Build(Project, "2.0.0", payload: 80_000));
        using var check = await server.CheckAsync(new { device_id = "dev-sha", chip = "esp32", project = Project, version = "1.0.0", secure_version = 0 });
        var offer = (await check.Content.ReadFromJsonAsync<UpdateOffer>())!;
        var device = Http.HttpTestDevices.BootDevice(Http.HttpTestDevices.NewFlash(TestFirmware.Build(Project, "1.0.0")));
        var bootBefore = device.Ota.GetBootPartition();
        using var key = EcdhDeviceKey();
        var client = new HttpOtaClient(server.Device) { DecryptionKey = key };

        // The ciphertext authenticates (GCM tag), but the image on flash is not the one announced.
        var refused = await Assert.ThrowsAsync<HttpOtaRefusedException>(() => client.InstallAsync(device, Images.Chip.Esp32, offer with { ImageSha256 = new string('0', 64) }));

        Assert.Equal(HttpOtaRefusal.Sha256Mismatch, refused.Refusal);
        Assert.Equal(bootBefore, device.Ota.GetBootPartition());
        await client.InstallAsync(device, Images.Chip.Esp32, offer);
        Assert.Equal("2.0.0", device.Reboot().App!.Version);
    }

    [Fact]
    public async Task StableUrl_ForEncryptedProject_ServesTheCiphertextAndSaysSo()
    {
        await using var server = await OtaTestServer.StartAsync();
        await SetKeyAsync(server.Admin, Project, EcdhPublicPem);
        var info = await UploadAsync(server, TestFirmware.Build(Project, "2.0.0", payload: 40_000));

        using var response = await server.Device.GetAsync($"/api/updates/latest/{Project}/esp32");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var body = await response.Content.ReadAsByteArrayAsync();
        Assert.Equal(info.Sha256, Convert.ToHexStringLower(SHA256.HashData(body)));
        Assert.True(EncryptedImageHeader.StartsWithMagic(body));
        Assert.Equal($"\"{info.Sha256}\"", response.Headers.ETag!.Tag);
        Assert.Equal("esp_encrypted_img", response.Headers.GetValues("X-Firmware-Encryption").Single());
        Assert.Equal(info.Encryption!.ImageSha256, response.Headers.GetValues("X-Firmware-Image-Sha256").Single());
    }

    [Fact]
    public async Task KeyRemoved_LaterUploadsPlain_EarlierStayEncrypted()
    {
        await using var server = await OtaTestServer.StartAsync();
        await SetKeyAsync(server.Admin, Project, EcdhPublicPem);
        var first = await UploadAsync(server, TestFirmware.Build(Project, "2.0.0"));
        using (await server.Admin.DeleteAsync($"/api/projects/{Project}/encryption-key"))
        {
        }

        var plain = TestFirmware.Build(Project, "3.0.0");
        var second = await UploadAsync(server, plain);

        Assert.NotNull(first.Encryption);
        Assert.Null(second.Encryption);
        Assert.Equal(Convert.ToHexStringLower(SHA256.HashData(plain)), second.Sha256);
        var again = (await server.Admin.GetFromJsonAsync<FirmwareInfo>($"/api/firmware/{first.Sha256}"))!;
        Assert.Equal(first.Encryption, again.Encryption);
    }
}
