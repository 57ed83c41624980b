using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using EspOta.Http;
using EspOta.Security;
using EspOta.Server.Firmware;
using EspOta.Server.Signing;
using EspOta.Server.Tests.Firmware;
using EspOta.Tests;

namespace EspOta.Server.Tests.Signing;

/// <summary>The per-project signing policy on the real server: each refusal reason, signers in the offer, revocation stopping offers (also through a rollout).</summary>
public sealed class SigningEndpointsTests
{
    private const string Project = "signed-app";

    private static string KeyFile(string name) => Vectors.PathOf("secure-boot", "keys", name);

    internal static byte[] Signed(byte[] image, params string[] keys)
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

    internal static string Digest(string key) => Convert.ToHexStringLower(File.ReadAllBytes(KeyFile(key + ".digest.bin")));

    private static byte[] App(string version) => TestFirmware.Build(Project, version, chip: Images.Chip.Esp32C3);

    internal static async Task TrustAsync(OtaTestServer server, string project, string key, bool byPem = true)
    {
        object body = byPem ? new { public_key_pem = File.ReadAllText(KeyFile(key + ".pub.pem")), label = key } : new { key_digest = Digest(key), label = key };
        using var response = await server.Admin.PostAsJsonAsync($"api/projects/{project}/signing-keys", body);
        Assert.True(response.StatusCode == HttpStatusCode.Created, await response.Content.ReadAsStringAsync());
        var info = await response.Content.ReadFromJsonAsync<SigningKeyInfo>();
        Assert.Equal(Digest(key), info!.KeyDigest);
        Assert.False(info.Revoked);
    }

    internal static async Task RevokeAsync(OtaTestServer server, string project, string key)
    {
        using var response = await server.Admin.PostAsync($"api/projects/{project}/signing-keys/{Digest(key)}/revoke", null);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.True((await response.Content.ReadFromJsonAsync<SigningKeyInfo>())!.Revoked);
    }

    private static async Task<string> RefusalAsync(HttpResponseMessage response)
    {
        await FirmwareEndpointsTests.AssertProblemAsync(response, HttpStatusCode.UnprocessableEntity, ProblemTypes.SignatureRefused);
        using var problem = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        return problem.RootElement.GetProperty("reason").GetString()!;
    }

    private static async Task<FirmwareInfo> UploadAsync(OtaTestServer server, byte[] image)
    {
        using var response = await server.UploadAsync(image);
        Assert.True(response.StatusCode == HttpStatusCode.Created, await response.Content.ReadAsStringAsync());
        return (await response.Content.ReadFromJsonAsync<FirmwareInfo>())!;
    }

    private static async Task<UpdateOffer?> OfferAsync(OtaTestServer server, string device = "dev-1", string version = "1.0.0")
    {
        using var response = await server.CheckAsync(new UpdateCheckRequest(device, "esp32c3", Project, version, 0));
        Assert.True(response.StatusCode is HttpStatusCode.OK or HttpStatusCode.NoContent, response.StatusCode.ToString());
        return response.StatusCode == HttpStatusCode.NoContent ? null : await response.Content.ReadFromJsonAsync<UpdateOffer>();
    }

    private static async Task<OtaTestServer> StartWithPolicyAsync()
    {
        var server = await OtaTestServer.StartAsync();
        await TrustAsync(server, Project, "rsa3072_a");
        await TrustAsync(server, Project, "ecdsa256_a", byPem: false);
        return server;
    }

    [Fact]
    public async Task Upload_Unsigned_Refused422Unsigned_AndNothingStored()
    {
        await using var server = await StartWithPolicyAsync();

        using var response = await server.UploadAsync(App("1.0.0"));

        Assert.Equal(SignatureRefusalReason.Unsigned, await RefusalAsync(response));
        Assert.Empty((await server.Admin.GetFromJsonAsync<FirmwareInfo[]>("api/firmware"))!);
        Assert.Empty(Directory.EnumerateFiles(Path.Combine(server.DataDirectory, "images")));
    }

    [Fact]
    public async Task Upload_SignedByUntrustedKey_Refused422UnknownKey()
    {
        await using var server = await StartWithPolicyAsync();

        using var response = await server.UploadAsync(Signed(App("1.0.0"), "rsa3072_c"));

        Assert.Equal(SignatureRefusalReason.UnknownKey, await RefusalAsync(response));
    }

    [Fact]
    public async Task Upload_SignedOnlyByRevokedKey_Refused422RevokedKey()
    {
        await using var server = await StartWithPolicyAsync();
        await TrustAsync(server, Project, "rsa3072_b");
        await RevokeAsync(server, Project, "rsa3072_b");

        using var revoked = await server.UploadAsync(Signed(App("1.0.0"), "rsa3072_b"));
        using var revokedAndUnknown = await server.UploadAsync(Signed(App("1.0.1"), "rsa3072_c", "rsa3072_b"));

        Assert.Equal(SignatureRefusalReason.RevokedKey, await RefusalAsync(revoked));
        Assert.Equal(SignatureRefusalReason.RevokedKey, await RefusalAsync(revokedAndUnknown));
    }

    /// <summary>A trusted key's block that does not verify: a flipped signature byte (CRC fixed), or a changed byte of the signed image.</summary>
    [Theory]
    [InlineData("signature")]
    [InlineData("image")]
    public async Task Upload_TrustedKeyWhoseSignatureFails_Refused422BadSignature(string flipped)
    {
        await using var server = await StartWithPolicyAsync();
        var image = Signed(App("1.0.0"), "rsa3072_a");
        int sector = image.Length - SignatureSector.Size;
        if (flipped == "signature")
        {
            image[sector + 812] ^= 0x01; // first byte of the RSA signature field
            SignatureBlockV2.Read(image.AsSpan(sector)).WithCrc().WriteTo(image.AsSpan(sector));
        }
        else
        {
            // Inside the padding before the sector: still a valid app image (the padding is not part of
            // esp_image's checksum or appended hash), but not the data the block signed.
            image[sector - 1] ^= 0x01;
        }

        using var response = await server.UploadAsync(image);

        Assert.Equal(SignatureRefusalReason.BadSignature, await RefusalAsync(response));
    }

    [Fact]
    public async Task Upload_ProjectWithPolicyAndEncryptionKey_SignaturesJudgedFromThePlaintext_StoredOnlyEncrypted_OfferCarriesSignedBy()
    {
        // The plaintext streams through memory once; its signature sector is read on the way, never kept.
        await using var server = await StartWithPolicyAsync();
        await Encryption.EncryptedProjectTests.SetKeyAsync(server.Admin, Project, Encryption.EncryptedProjectTests.EcdhPublicPem);
        var plain = Signed(App("2.0.0"), "rsa3072_a", "rsa3072_c");

        var info = await UploadAsync(server, plain);

        var stored = File.ReadAllBytes(Path.Combine(server.DataDirectory, "images", info.Sha256 + ".bin"));
        Assert.True(EncryptedImageHeader.StartsWithMagic(stored));
        using var deviceKey = Encryption.EncryptedProjectTests.EcdhDeviceKey();
        Assert.Equal(plain, EncryptedImageDecryptor.Decrypt(stored, deviceKey));
        var offer = await OfferAsync(server);
        Assert.Equal(info.Sha256, offer!.Sha256);
        Assert.Equal([Digest("rsa3072_a")], offer.SignedBy);
        Assert.True(offer.Encrypted);

        // Revoking the only trusted signer stops the offer, as for a plain image.
        await RevokeAsync(server, Project, "rsa3072_a");
        Assert.Null(await OfferAsync(server));
    }

    [Theory]
    [InlineData("unsigned")]
    [InlineData("unknown_key")]
    [InlineData("revoked_key")]
    [InlineData("bad_signature")]
    public async Task Upload_ProjectWithPolicyAndEncryptionKey_RefusedAsAPlainUploadWouldBe_AndNothingKept(string reason)
    {
        await using var server = await StartWithPolicyAsync();
        await Encryption.EncryptedProjectTests.SetKeyAsync(server.Admin, Project, Encryption.EncryptedProjectTests.EcdhPublicPem);
        await TrustAsync(server, Project, "rsa3072_b");
        await RevokeAsync(server, Project, "rsa3072_b");
        var image = reason switch
        {
            "unsigned" => App("1.0.0"),
            "unknown_key" => Signed(App("1.0.0"), "rsa3072_c"),
            "revoked_key" => Signed(App("1.0.0"), "rsa3072_b"),
            _ => Signed(App("1.0.0"), "rsa3072_a"),
        };
        if (reason == "bad_signature")
        {
            int sector = image.Length - SignatureSector.Size;
            image[sector + 812] ^= 0x01; // first byte of the RSA signature field
            SignatureBlockV2.Read(image.AsSpan(sector)).WithCrc().WriteTo(image.AsSpan(sector));
        }

        using var response = await server.UploadAsync(image);

        Assert.Equal(reason, await RefusalAsync(response));
        Assert.Empty((await server.Admin.GetFromJsonAsync<FirmwareInfo[]>("api/firmware"))!);
        Assert.Empty(Directory.EnumerateFiles(Path.Combine(server.DataDirectory, "images")));
        Assert.Empty(Directory.EnumerateFiles(Path.Combine(server.DataDirectory, "tmp")));
    }

    [Fact]
    public async Task Upload_ProjectWithoutPolicy_UnsignedAccepted()
    {
        await using var server = await StartWithPolicyAsync();

        var info = await UploadAsync(server, TestFirmware.Build("other-app", "1.0.0", chip: Images.Chip.Esp32C3));
        using var offer = await server.CheckAsync(new UpdateCheckRequest("dev-9", "esp32c3", "other-app", "0.9.0", 0));

        Assert.Equal(HttpStatusCode.OK, offer.StatusCode);
        var body = await offer.Content.ReadAsStringAsync();
        Assert.Contains(info.Sha256, body, StringComparison.Ordinal);
        Assert.DoesNotContain("signed_by", body, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Offer_CarriesSignedBy_TheTrustedSignersOnly()
    {
        await using var server = await StartWithPolicyAsync();
        var v2 = await UploadAsync(server, Signed(App("2.0.0"), "rsa3072_a", "rsa3072_c"));

        var offer = await OfferAsync(server);

        Assert.Equal(v2.Sha256, offer!.Sha256);
        Assert.Equal([Digest("rsa3072_a")], offer.SignedBy);
        using var raw = await server.CheckAsync(new UpdateCheckRequest("dev-1", "esp32c3", Project, "1.0.0", 0));
        using var json = JsonDocument.Parse(await raw.Content.ReadAsStringAsync());
        Assert.Equal(Digest("rsa3072_a"), json.RootElement.GetProperty("signed_by")[0].GetString());
    }

    [Fact]
    public async Task Revoke_StopsOffersOfImagesSignedOnlyByRevokedKeys()
    {
        await using var server = await StartWithPolicyAsync();
        await TrustAsync(server, Project, "rsa3072_b");
        var v2 = await UploadAsync(server, Signed(App("2.0.0"), "rsa3072_a"));
        var v3 = await UploadAsync(server, Signed(App("3.0.0"), "rsa3072_a", "rsa3072_b"));

        var before = await OfferAsync(server);
        Assert.Equal(v3.Sha256, before!.Sha256);
        Assert.Equal(new[] { Digest("rsa3072_a"), Digest("rsa3072_b") }.Order(StringComparer.Ordinal), before.SignedBy);

        await RevokeAsync(server, Project, "rsa3072_a");
        var afterA = await OfferAsync(server);
        Assert.Equal(v3.Sha256, afterA!.Sha256);
        Assert.Equal([Digest("rsa3072_b")], afterA.SignedBy);

        // With both revoked nothing is offered: in particular no fall back to v2, which key a alone signed.
        await RevokeAsync(server, Project, "rsa3072_b");
        Assert.Null(await OfferAsync(server));
        Assert.Null(await OfferAsync(server, "dev-2"));
        using var decision = await server.Admin.GetAsync("api/devices/dev-1/decision");
        string why = await decision.Content.ReadAsStringAsync();
        Assert.Contains($"2.0.0 is withheld by the signing policy: it is signed only by revoked key(s) {Digest("rsa3072_a")}", why, StringComparison.Ordinal);
        Assert.Contains(v2.Version, why, StringComparison.Ordinal);

        var keys = await server.Admin.GetFromJsonAsync<SigningKeyInfo[]>($"api/projects/{Project}/signing-keys");
        Assert.Equal([false, true, true], keys!.OrderBy(k => k.KeyDigest == Digest("ecdsa256_a") ? 0 : 1).Select(k => k.Revoked));
    }

    [Fact]
    public async Task Rollout_OfAnImageSignedOnlyByARevokedKey_OffersNothing()
    {
        await using var server = await StartWithPolicyAsync();
        await TrustAsync(server, Project, "rsa3072_b");
        var v2 = await UploadAsync(server, Signed(App("2.0.0"), "rsa3072_a"));
        using (var created = await server.Admin.PostAsJsonAsync("api/rollouts", new { firmware = v2.Sha256, id = "r-sig", stages = new[] { new { percent = 100 } } }))
        {
            Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        }

        Assert.Equal(v2.Sha256, (await OfferAsync(server))!.Sha256);

        await RevokeAsync(server, Project, "rsa3072_a");

        Assert.Null(await OfferAsync(server));
        Assert.Null(await OfferAsync(server, "dev-new"));
        using var decision = await server.Admin.GetAsync("api/devices/dev-1/decision");
        string why = await decision.Content.ReadAsStringAsync();
        Assert.Contains("r-sig", why, StringComparison.Ordinal);
        Assert.Contains("signed only by revoked key(s) " + Digest("rsa3072_a"), why, StringComparison.Ordinal);
    }

    [Fact]
    public async Task KeyTrustedAfterUpload_CountsForTheImagesItSigned()
    {
        await using var server = await StartWithPolicyAsync();
        var v2 = await UploadAsync(server, Signed(App("2.0.0"), "rsa3072_a", "rsa3072_b"));

        await TrustAsync(server, Project, "rsa3072_b");
        await RevokeAsync(server, Project, "rsa3072_a");

        var offer = await OfferAsync(server);
        Assert.Equal(v2.Sha256, offer!.Sha256);
        Assert.Equal([Digest("rsa3072_b")], offer.SignedBy);
    }

    [Fact]
    public async Task Keys_BadInput_AnsweredWithProblems()
    {
        await using var server = await OtaTestServer.StartAsync();
        string keys = $"api/projects/{Project}/signing-keys";

        using var badHex = await server.Admin.PostAsJsonAsync(keys, new { key_digest = "xyz" });
        using var both = await server.Admin.PostAsJsonAsync(keys, new { key_digest = Digest("rsa3072_a"), public_key_pem = "x" });
        using var neither = await server.Admin.PostAsJsonAsync(keys, new { label = "nothing" });
        using var badPem = await server.Admin.PostAsJsonAsync(keys, new { public_key_pem = "-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----\n" });
        using var malformed = await server.Admin.PostAsync(keys, new StringContent("{\"key_digest\":", System.Text.Encoding.UTF8, "application/json"));
        using var unknown = await server.Admin.PostAsync($"{keys}/{Digest("rsa3072_c")}/revoke", null);
        using var badDigest = await server.Admin.PostAsync($"{keys}/nothex/revoke", null);
        using var noApiKey = await server.Device.GetAsync(keys);
        using var longProject = await server.Admin.GetAsync($"api/projects/{new string('p', 65)}/signing-keys");

        await FirmwareEndpointsTests.AssertProblemAsync(badHex, HttpStatusCode.BadRequest, ProblemTypes.BadSigningKey);
        await FirmwareEndpointsTests.AssertProblemAsync(both, HttpStatusCode.BadRequest, ProblemTypes.MalformedRequest);
        await FirmwareEndpointsTests.AssertProblemAsync(neither, HttpStatusCode.BadRequest, ProblemTypes.MalformedRequest);
        await FirmwareEndpointsTests.AssertProblemAsync(badPem, HttpStatusCode.BadRequest, ProblemTypes.BadSigningKey);
        await FirmwareEndpointsTests.AssertProblemAsync(malformed, HttpStatusCode.BadRequest, ProblemTypes.MalformedRequest);
        await FirmwareEndpointsTests.AssertProblemAsync(unknown, HttpStatusCode.NotFound, ProblemTypes.NotFound);
        await FirmwareEndpointsTests.AssertProblemAsync(badDigest, HttpStatusCode.BadRequest, ProblemTypes.BadId);
        await FirmwareEndpointsTests.AssertProblemAsync(noApiKey, HttpStatusCode.Unauthorized, ProblemTypes.Unauthorized);
        await FirmwareEndpointsTests.AssertProblemAsync(longProject, HttpStatusCode.BadRequest, ProblemTypes.TooLong);

        // Adding a key twice keeps one row: 201, then 200.
        await TrustAsync(server, Project, "rsa3072_a");
        using var again = await server.Admin.PostAsJsonAsync(keys, new { key_digest = Digest("rsa3072_a").ToUpperInvariant() });
        Assert.Equal(HttpStatusCode.OK, again.StatusCode);
        Assert.Single((await server.Admin.GetFromJsonAsync<SigningKeyInfo[]>(keys))!);
    }

    [Fact]
    public async Task Policy_SurvivesARestart()
    {
        await using var server = await StartWithPolicyAsync();
        var v2 = await UploadAsync(server, Signed(App("2.0.0"), "rsa3072_a"));

        await server.RestartAsync();

        Assert.Equal([Digest("rsa3072_a")], (await OfferAsync(server))!.SignedBy);
        using var unsigned = await server.UploadAsync(App("3.0.0"));
        Assert.Equal(SignatureRefusalReason.Unsigned, await RefusalAsync(unsigned));
        Assert.Equal(v2.Sha256, (await OfferAsync(server))!.Sha256);
    }
}
