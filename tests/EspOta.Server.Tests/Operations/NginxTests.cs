using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using EspOta.Device;
using EspOta.Flash;
using EspOta.Http;
using EspOta.Images;
using EspOta.Server.Tests.Storage;
using EspOta.Simulation;

namespace EspOta.Server.Tests.Operations;

/// <summary>Issue 18: content-addressed image files served by a static server give devices the same bytes.</summary>
public sealed class NginxTests
{
    [Fact]
    public async Task Nginx_ServingTheImagesFolder_GivesTheSameBytesWithRange_AndADeviceInstallsFromIt()
    {
        if (!NginxServer.Available)
        {
            Assert.False(TestDatabase.PostgresRequired, $"{NginxServer.Binary} is missing: .ci/run installs nginx");
            Console.Error.WriteLine($"note: {NginxServer.Binary} is not installed, the nginx test is left out (CI installs it)");
            return;
        }

        await using var server = await OtaTestServer.StartAsync();
        var v2 = TestFirmware.Build("cdn-app", "2.0.0", payload: 300_000);
        string sha = Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(v2));
        (await server.UploadAsync(v2)).Dispose();
        await using var nginx = await NginxServer.StartAsync(Path.Combine(server.DataDirectory, "images"), server.BaseAddress);
        using var edge = new HttpClient { BaseAddress = nginx.BaseAddress };

        // The same bytes, whole and by Range, from the CDN path, the device path and our server.
        foreach (var (from, to) in new[] { (0L, 0L), (100L, 65_635L), (v2.Length - 10L, v2.Length - 1L) })
        {
            byte[] ours = await RangeAsync(server.Device, $"/api/updates/firmware/{sha}", from, to);
            Assert.Equal(v2[(int)from..(int)(to + 1)], ours);
            Assert.Equal(ours, await RangeAsync(edge, $"/images/{sha}.bin", from, to));
            Assert.Equal(ours, await RangeAsync(edge, $"/api/updates/firmware/{sha}", from, to));
        }

        // If-Range with the SHA-256 ETag resumes on nginx as on our server.
        using (var resume = new HttpRequestMessage(HttpMethod.Get, $"/api/updates/firmware/{sha}"))
        {
            resume.Headers.Range = new RangeHeaderValue(1000, null);
            resume.Headers.IfRange = new RangeConditionHeaderValue(new EntityTagHeaderValue($"\"{sha}\""));
            using var response = await edge.SendAsync(resume);
            Assert.Equal(HttpStatusCode.PartialContent, response.StatusCode);
            Assert.Equal(v2[1000..], await response.Content.ReadAsByteArrayAsync());
        }

        Assert.Equal(v2, await edge.GetByteArrayAsync($"/images/{sha}.bin"));
        string before = await server.Device.GetStringAsync("/metrics");

        // A device whose server URL is nginx: the check is proxied, the bytes come from the folder.
        var factory = TestFirmware.Build("cdn-app", "1.0.0");
        var device = new SimulatedDevice("edge-1", Chip.Esp32, MemoryFlash.FromImage(SimulatedDeviceFlash.Build(factory, 0x80000)), new HttpOtaClient(edge));
        var result = await device.RunCycleAsync();

        Assert.True(result.Outcome == DeviceCycleOutcome.Updated, $"{result.Outcome}: {result.Error}");
        Assert.Equal("2.0.0", device.RunningApp!.Version);
        Assert.Equal(DeviceReportKind.Confirmed, (await server.Admin.GetFromJsonAsync<EspOta.Server.Devices.DeviceDetails>("/api/devices/edge-1"))!.Device.State);
        string after = await server.Device.GetStringAsync("/metrics");
        Assert.Equal(DownloadCount(before), DownloadCount(after)); // nginx served every byte
        Assert.Contains($"GET /api/updates/firmware/{sha}", await File.ReadAllTextAsync(nginx.AccessLog), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Offer_WithCdnBaseUrl_PointsAtTheImageFile()
    {
        await using var server = await OtaTestServer.StartAsync(o => o.CdnBaseUrl = "https://cdn.example.test/fw/");
        var v2 = TestFirmware.Build("cdn-app", "2.0.0");
        string sha = Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(v2));
        (await server.UploadAsync(v2)).Dispose();

        using var response = await server.CheckAsync(new UpdateCheckRequest("d-1", "esp32", "cdn-app", "1.0.0", 0));

        Assert.Equal($"https://cdn.example.test/fw/{sha}.bin", (await response.Content.ReadFromJsonAsync<UpdateOffer>())!.Url);
    }

    private static long DownloadCount(string metrics) => metrics.Split('\n')
        .Where(l => l.StartsWith("espota_downloads_total", StringComparison.Ordinal))
        .Sum(l => long.Parse(l[(l.LastIndexOf(' ') + 1)..], System.Globalization.CultureInfo.InvariantCulture));

    private static async Task<byte[]> RangeAsync(HttpClient client, string path, long from, long to)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, path);
        request.Headers.Range = new RangeHeaderValue(from, to);
        using var response = await client.SendAsync(request);
        Assert.Equal(HttpStatusCode.PartialContent, response.StatusCode);
        Assert.Equal(new ContentRangeHeaderValue(from, to, (await LengthAsync(client, path))), response.Content.Headers.ContentRange);
        return await response.Content.ReadAsByteArrayAsync();
    }

    private static async Task<long> LengthAsync(HttpClient client, string path)
    {
        using var head = await client.SendAsync(new HttpRequestMessage(HttpMethod.Head, path));
        return head.Content.Headers.ContentLength!.Value;
    }
}
