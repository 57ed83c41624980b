using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text.Json;
using EspOta.Delta;
using EspOta.Http;

namespace EspOta.Server.Tests.Delta;

/// <summary>The server makes patches on upload, lists them, offers them in the update check, and serves them with ranges.</summary>
public sealed class DeltaEndpointsTests
{
    private static byte[] Version(string version, ulong seed = 5) => TestFirmware.Build("delta-app", version, payload: 60_000, seed: seed);

    private static async Task<JsonElement[]> WaitForPatchesAsync(OtaTestServer server, string target, int count)
    {
        for (int i = 0; i < 600; i++)
        {
            var jobs = await server.Admin.GetFromJsonAsync<JsonElement[]>("/api/delta/jobs");
            var patches = await server.Admin.GetFromJsonAsync<JsonElement[]>($"/api/delta/patches?target={target}");
            bool done = jobs!.Any(j => j.GetProperty("target_sha256").GetString() == target && j.GetProperty("state").GetString() == "done");
            if (done && patches!.Length >= count)
            {
                return patches;
            }

            await Task.Delay(50);
        }

        throw new TimeoutException($"the patches to {target} were not made in time");
    }

    private static string Sha(byte[] bytes) => Convert.ToHexStringLower(SHA256.HashData(bytes));

    [Fact]
    public async Task Upload_ThreeVersions_MakesPatchesFromTheLastTwoAndOffersOne()
    {
        await using var server = await OtaTestServer.StartAsync();
        var v1 = Version("1.0.0");
        var v2 = Version("1.1.0");
        var v3 = Version("1.2.0");
        foreach (var image in new[] { v1, v2, v3 })
        {
            using var response = await server.UploadAsync(image);
            Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        }

        var patches = await WaitForPatchesAsync(server, Sha(v3), 2);
        Assert.Equal(2, patches.Length);
        Assert.All(patches, p => Assert.True(p.GetProperty("size").GetInt64() < v3.Length / 10));
        Assert.Contains(patches, p => p.GetProperty("base_sha256").GetString() == Sha(v1));
        Assert.Contains(patches, p => p.GetProperty("base_sha256").GetString() == Sha(v2));

        // The device on v1 says what it runs; the offer carries the patch from it.
        var running = Convert.ToHexStringLower(DeltaPatchCreator.ValidationHash(v1));
        using var check = await server.CheckAsync(new UpdateCheckRequest("dev-1", "esp32", "delta-app", "1.0.0", 0) { RunningSha256 = running });
        Assert.Equal(HttpStatusCode.OK, check.StatusCode);
        var offer = (await check.Content.ReadFromJsonAsync<UpdateOffer>())!;
        Assert.Equal(Sha(v3), offer.Sha256);
        Assert.NotNull(offer.Patch);
        Assert.Equal(running, offer.Patch.BaseSha256);

        using var download = await server.Device.GetAsync("/" + offer.Patch.Url);
        Assert.Equal(HttpStatusCode.OK, download.StatusCode);
        Assert.Equal($"\"{offer.Patch.Sha256}\"", download.Headers.ETag!.Tag);
        var patch = await download.Content.ReadAsByteArrayAsync();
        Assert.Equal(offer.Patch.Size, patch.Length);
        Assert.Equal(offer.Patch.Sha256, Sha(patch));
        DeltaOtaHeader.Read(patch).Verify(DeltaPatchCreator.ValidationHash(v1));
        var result = new MemoryStream();
        var applier = new DeltaApplier(new MemoryDeltaBase(v1), new StreamTarget(result), DeltaApplyProfile.EspDeltaOta);
        applier.Process(patch.AsSpan(DeltaOtaHeader.Size));
        applier.Finalize();
        Assert.Equal(v3, result.ToArray());

        // Ranges with If-Range on the ETag, as for images.
        using var ranged = new HttpRequestMessage(HttpMethod.Get, "/" + offer.Patch.Url);
        ranged.Headers.Range = new RangeHeaderValue(100, null);
        ranged.Headers.IfRange = new RangeConditionHeaderValue(new EntityTagHeaderValue($"\"{offer.Patch.Sha256}\""));
        using var partial = await server.Device.SendAsync(ranged);
        Assert.Equal(HttpStatusCode.PartialContent, partial.StatusCode);
        Assert.Equal(patch[100..], await partial.Content.ReadAsByteArrayAsync());
    }

    [Fact]
    public async Task Check_WithoutRunningHashOrUnknownBase_OffersTheFullImageOnly()
    {
        await using var server = await OtaTestServer.StartAsync();
        var v1 = Version("1.0.0");
        var v2 = Version("2.0.0");
        (await server.UploadAsync(v1)).Dispose();
        (await server.UploadAsync(v2)).Dispose();
        await WaitForPatchesAsync(server, Sha(v2), 1);

        using var plain = await server.CheckAsync(new UpdateCheckRequest("dev-1", "esp32", "delta-app", "1.0.0", 0));
        Assert.Null((await plain.Content.ReadFromJsonAsync<UpdateOffer>())!.Patch);
        using var other = await server.CheckAsync(new UpdateCheckRequest("dev-1", "esp32", "delta-app", "1.0.0", 0) { RunningSha256 = new string('a', 64) });
        Assert.Null((await other.Content.ReadFromJsonAsync<UpdateOffer>())!.Patch);
        using var missing = await server.Device.GetAsync($"/api/updates/patch/{new string('b', 64)}");
        Assert.Equal(HttpStatusCode.NotFound, missing.StatusCode);
        using var noKey = await server.Device.GetAsync("/api/delta/patches");
        Assert.Equal(HttpStatusCode.Unauthorized, noKey.StatusCode);
    }

    [Fact]
    public async Task Check_PatchNotSmallEnough_OffersTheFullImage()
    {
        await using var server = await OtaTestServer.StartAsync();
        var v1 = Version("1.0.0", seed: 1);
        var v2 = Version("2.0.0", seed: 2);
        (await server.UploadAsync(v1)).Dispose();
        (await server.UploadAsync(v2)).Dispose();
        var patches = await WaitForPatchesAsync(server, Sha(v2), 1);
        Assert.True(patches[0].GetProperty("ratio").GetDouble() > 0.5);
        using var check = await server.CheckAsync(new UpdateCheckRequest("dev-1", "esp32", "delta-app", "1.0.0", 0)
        {
            RunningSha256 = Convert.ToHexStringLower(DeltaPatchCreator.ValidationHash(v1)),
        });
        Assert.Null((await check.Content.ReadFromJsonAsync<UpdateOffer>())!.Patch);
    }

    [Fact]
    public async Task Restart_KeepsPatches()
    {
        await using var server = await OtaTestServer.StartAsync();
        var v1 = Version("1.0.0");
        var v2 = Version("1.0.1");
        (await server.UploadAsync(v1)).Dispose();
        (await server.UploadAsync(v2)).Dispose();
        var before = await WaitForPatchesAsync(server, Sha(v2), 1);
        await server.RestartAsync();
        var after = await server.Admin.GetFromJsonAsync<JsonElement[]>($"/api/delta/patches?target={Sha(v2)}");
        Assert.Equal(before[0].GetProperty("patch_sha256").GetString(), after![0].GetProperty("patch_sha256").GetString());
    }

    private sealed class StreamTarget(Stream stream) : IDeltaTarget
    {
        public void Write(ReadOnlySpan<byte> data) => stream.Write(data);
    }
}
