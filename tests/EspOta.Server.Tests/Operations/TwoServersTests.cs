using System.Net;
using System.Net.Http.Json;
using EspOta.Http;
using EspOta.Server.Devices;
using EspOta.Server.Tests.Storage;

namespace EspOta.Server.Tests.Operations;

/// <summary>
/// Issue 18: two <c>esp-ota serve</c> processes on one database (and one shared data folder) serve one
/// fleet consistently — uploads happen once, a device may talk to either.
/// </summary>
public sealed class TwoServersTests
{
    public static TheoryData<string> Providers => TestDatabase.Providers;

    [Theory]
    [MemberData(nameof(Providers))]
    public async Task TwoProcesses_ConcurrentUploadsOfOneImage_OneCreated_OneFleetServedByBoth(string provider)
    {
        await using var database = await TestDatabase.CreateAsync(provider);
        string[] args =
        [
            "--data", database.Directory, "--urls", "http://127.0.0.1:0",
            "--database", database.Provider.ToString(), "--connection-string", database.ConnectionString,
        ];
        await using var a = await ServeProcess.StartAsync(args);
        await using var b = await ServeProcess.StartAsync(args);
        var image = TestFirmware.Build("two-servers", "2.0.0", payload: 64 * 1024);
        string sha = Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(image));

        var uploads = Enumerable.Range(0, 8).Select(async i =>
        {
            using var content = new ByteArrayContent(image);
            content.Headers.ContentType = new("application/octet-stream");
            using var response = await (i % 2 == 0 ? a : b).Admin.PostAsync("/api/firmware", content);
            return response.StatusCode;
        });
        var codes = await Task.WhenAll(uploads);

        Assert.Equal(1, codes.Count(c => c == HttpStatusCode.Created));
        Assert.Equal(7, codes.Count(c => c == HttpStatusCode.Conflict));

        // One fleet: each device checks at one server, downloads from and reports to the other.
        for (int i = 0; i < 20; i++)
        {
            var (first, second) = i % 2 == 0 ? (a, b) : (b, a);
            string id = $"fleet-{i:d2}";
            using var check = await first.Device.PostAsJsonAsync("/api/updates/check", new UpdateCheckRequest(id, "esp32", "two-servers", "1.0.0", 0));
            Assert.Equal(HttpStatusCode.OK, check.StatusCode);
            var offer = (await check.Content.ReadFromJsonAsync<UpdateOffer>())!;
            Assert.Equal(sha, offer.Sha256);
            Assert.Equal(image, await second.Device.GetByteArrayAsync(offer.Url));
            var kind = i == 0 ? DeviceReportKind.RolledBack : DeviceReportKind.Confirmed;
            using var report = await second.Device.PostAsJsonAsync($"/api/devices/{id}/reports", new DeviceReport(kind, "2.0.0", sha, i == 0 ? "self-test failed" : null));
            Assert.Equal(HttpStatusCode.Accepted, report.StatusCode);
        }

        var fromA = await a.Admin.GetFromJsonAsync<DeviceSummary[]>("/api/devices?limit=1000");
        var fromB = await b.Admin.GetFromJsonAsync<DeviceSummary[]>("/api/devices?limit=1000");
        Assert.Equal(20, fromA!.Length);
        Assert.Equal(fromA, fromB);
        Assert.Equal(19, fromA.Count(d => d.State == DeviceReportKind.Confirmed));

        // The rollback reported at b after a's offer blocks the image at both.
        foreach (var server in new[] { a, b })
        {
            using var again = await server.Device.PostAsJsonAsync("/api/updates/check", new UpdateCheckRequest("fleet-00", "esp32", "two-servers", "1.0.0", 0));
            Assert.Equal(HttpStatusCode.NoContent, again.StatusCode);
        }
    }

    [Fact]
    public async Task Serve_OptionsFromEnvironmentAndAspNetCoreUrls()
    {
        string data = Path.Combine(Path.GetTempPath(), "esp-ota-env-test-" + Guid.NewGuid().ToString("N")[..8]);
        var environment = new Dictionary<string, string>
        {
            ["ASPNETCORE_URLS"] = "http://127.0.0.1:0",
            ["EspOta__DataDirectory"] = data,
            ["EspOta__MaxNameLength"] = "10",
        };
        try
        {
            await using var server = await ServeProcess.StartAsync([], environment);

            using var ok = await server.Device.PostAsJsonAsync("/api/updates/check", new UpdateCheckRequest("d", "esp32", "0123456789", "1", 0));
            using var tooLong = await server.Device.PostAsJsonAsync("/api/updates/check", new UpdateCheckRequest("d", "esp32", "01234567890", "1", 0));

            Assert.Equal("127.0.0.1", server.BaseAddress.Host);
            Assert.Equal(HttpStatusCode.NoContent, ok.StatusCode);
            Assert.Equal(HttpStatusCode.BadRequest, tooLong.StatusCode);
            Assert.True(File.Exists(Path.Combine(data, "esp-ota.db")));
        }
        finally
        {
            Directory.Delete(data, recursive: true);
        }
    }
}
