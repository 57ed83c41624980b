using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using EspOta.Http;
using EspOta.Security;
using EspOta.Tests;

namespace EspOta.Server.Tests.Signing;

/// <summary>The per-project signing policy on the real server: refusals with their reason, signers in the offer, revocation.</summary>
public sealed class SigningEndpointsTests
{
    private const string Project = "signed-app";

    private static string KeyPath(string name) => Vectors.PathOf("secure-boot", "keys", name + ".pem");

    private static byte[] Signed(byte[] image, params string[] keys)
    {
        var loaded = keys.Select(k => SecureBootSigningKey.Load(KeyPath(k))).ToList();
        try
        {
            return ImageSigner.Sign(image, loaded).Bytes;
        }
        finally
        {
            loaded.ForEach(k => k.Dispose());
        }
    }

    private static string Digest(string key) =>
        Convert.ToHexStringLower(File.ReadAllBytes(Vectors.PathOf("secure-boot", "keys", key + ".digest.bin")));

    private static async Task AddKeyAsync(OtaTestServer server, string key)
    {
        using var response = await server.Admin.PostAsJsonAsync($"api/projects/{Project}/signing-keys", new { public_key_pem = File.ReadAllText(Vectors.PathOf("secure-boot", "keys", key + ".pub.pem")), label = key });
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    private static async Task<string> RefusalAsync(HttpResponseMessage response)
    {
        Assert.Equal(HttpStatusCode.UnprocessableEntity, response.StatusCode);
        using var problem = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        Assert.Equal("urn:esp-ota:problem:signature", problem.RootElement.GetProperty("type").GetString());
        return problem.RootElement.GetProperty("reason").GetString()!;
    }

    [Fact]
    public async Task Upload_WithPolicy_RefusesUnsignedUnknownBadAndRevoked()
    {
        await using var server = await OtaTestServer.StartAsync();
        await AddKeyAsync(server, "rsa3072_a");
        await AddKeyAsync(server, "rsa3072_b");

        using (var unsigned = await server.UploadAsync(TestFirmware.Build(Project, "1.0.0")))
        {
            Assert.Equal("unsigned", await RefusalAsync(unsigned));
        }

        using (var unknown = await server.UploadAsync(Signed(TestFirmware.Build(Project, "1.0.1"), "rsa3072_c")))
        {
            Assert.Equal("unknown-key", await RefusalAsync(unknown));
        }

        var bad = Signed(TestFirmware.Build(Project, "1.0.2"), "rsa3072_a");
        int block = bad.Length - SignatureSector.Size;
        bad[block + 812] ^= 1;
        SignatureBlockV2.Read(bad.AsSpan(block)).WithCrc().WriteTo(bad.AsSpan(block));
        using (var badSignature = await server.UploadAsync(bad))
        {
            Assert.Equal("bad-signature", await RefusalAsync(badSignature));
        }

        using (var revoke = await server.Admin.PostAsync($"api/projects/{Project}/signing-keys/{Digest("rsa3072_b")}/revoke", null))
        {
            Assert.Equal(HttpStatusCode.OK, revoke.StatusCode);
        }

        using (var revoked = await server.UploadAsync(Signed(TestFirmware.Build(Project, "1.0.3"), "rsa3072_b")))
        {
            Assert.Equal("revoked-key", await RefusalAsync(revoked));
        }

        using var good = await server.UploadAsync(Signed(TestFirmware.Build(Project, "1.0.4"), "rsa3072_a"));
        Assert.Equal(HttpStatusCode.Created, good.StatusCode);

        // Another project has no policy: unsigned images are fine there.
        using var other = await server.UploadAsync(TestFirmware.Build("plain-app", "1.0.0"));
        Assert.Equal(HttpStatusCode.Created, other.StatusCode);
    }

    [Fact]
    public async Task Offer_NamesTheSigners_AndRevokedOnlyImagesAreNoLongerOffered()
    {
        await using var server = await OtaTestServer.StartAsync();
        await AddKeyAsync(server, "rsa3072_a");
        await AddKeyAsync(server, "rsa3072_b");
        using (var v2 = await server.UploadAsync(Signed(TestFirmware.Build(Project, "2.0.0", chip: Images.Chip.Esp32C3), "rsa3072_a")))
        {
            Assert.Equal(HttpStatusCode.Created, v2.StatusCode);
        }

        using (var v3 = await server.UploadAsync(Signed(TestFirmware.Build(Project, "3.0.0", chip: Images.Chip.Esp32C3), "rsa3072_a", "rsa3072_b")))
        {
            Assert.Equal(HttpStatusCode.Created, v3.StatusCode);
        }

        async Task<UpdateOffer?> OfferAsync()
        {
            using var response = await server.CheckAsync(new UpdateCheckRequest("dev-1", "esp32c3", Project, "1.0.0", 0));
            return response.StatusCode == HttpStatusCode.NoContent ? null : await response.Content.ReadFromJsonAsync<UpdateOffer>();
        }

        var offer = await OfferAsync();
        Assert.Equal("3.0.0", offer!.Version);
        Assert.Equal(new[] { Digest("rsa3072_a"), Digest("rsa3072_b") }.Order(), offer.SignedBy!.Order());

        (await server.Admin.PostAsync($"api/projects/{Project}/signing-keys/{Digest("rsa3072_a")}/revoke", null)).Dispose();
        offer = await OfferAsync();
        Assert.Equal("3.0.0", offer!.Version);
        Assert.Equal([Digest("rsa3072_b")], offer.SignedBy);

        (await server.Admin.PostAsync($"api/projects/{Project}/signing-keys/{Digest("rsa3072_b")}/revoke", null)).Dispose();
        Assert.Null(await OfferAsync());

        using var keys = await server.Admin.GetAsync($"api/projects/{Project}/signing-keys");
        var list = await keys.Content.ReadFromJsonAsync<JsonElement>();
        Assert.All(list.EnumerateArray(), k => Assert.True(k.GetProperty("revoked").GetBoolean()));
        using var missing = await server.Admin.PostAsync($"api/projects/{Project}/signing-keys/{Digest("rsa3072_c")}/revoke", null);
        Assert.Equal(HttpStatusCode.NotFound, missing.StatusCode);
    }
}
