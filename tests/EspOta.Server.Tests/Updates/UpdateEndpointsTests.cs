using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using EspOta.Http;
using EspOta.Server.Devices;
using EspOta.Server.Tests.Firmware;

namespace EspOta.Server.Tests.Updates;

public sealed class UpdateEndpointsTests
{
    private static readonly string AppSha = VectorImages.Facts(VectorImages.App).GetProperty("file_sha256").GetString()!;

    [Fact]
    public async Task Check_EmptyRepository_Returns204()
    {
        await using var server = await OtaTestServer.StartAsync();

        using var response = await server.CheckAsync(new UpdateCheckRequest("dev-1", "esp32", "ota-vector-app", "1.0.0", 0));

        Assert.Equal(HttpStatusCode.NoContent, response.StatusCode);
    }

    [Fact]
    public async Task Check_OlderVersionRunning_OffersTheImage()
    {
        await using var server = await OtaTestServer.StartAsync();
        (await server.UploadAsync(VectorImages.Bytes(VectorImages.App))).Dispose();

        using var response = await server.CheckAsync(new UpdateCheckRequest("dev-1", "esp32", "ota-vector-app", "1.0.0", 7));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var offer = await response.Content.ReadFromJsonAsync<UpdateOffer>();
        var facts = VectorImages.Facts(VectorImages.App);
        Assert.Equal(new UpdateOffer(
            $"api/updates/firmware/{AppSha}",
            facts.GetProperty("file_size").GetInt64(),
            AppSha,
            "ota-vector-app",
            "1.2.3",
            7,
            "esp32"), offer);

        // The URL is relative to the address the device used (so a proxy in front of the server works).
        var image = await server.Device.GetByteArrayAsync(new Uri(server.BaseAddress, offer!.Url));
        Assert.Equal(VectorImages.Bytes(VectorImages.App), image);
    }

    [Theory]
    [InlineData("esp32", "ota-vector-app", "1.2.3", 0u)] // already runs it
    [InlineData("esp32", "ota-vector-app", "2.0.0", 0u)] // runs something newer
    [InlineData("esp32", "ota-vector-app", "1.0.0", 8u)] // secure_version 7 is below the device's
    [InlineData("esp32c3", "ota-vector-app", "1.0.0", 0u)] // other chip
    [InlineData("esp32", "other-project", "1.0.0", 0u)] // other project
    public async Task Check_NothingSuitable_Returns204(string chip, string project, string version, uint secureVersion)
    {
        await using var server = await OtaTestServer.StartAsync();
        (await server.UploadAsync(VectorImages.Bytes(VectorImages.App))).Dispose();

        using var response = await server.CheckAsync(new UpdateCheckRequest("dev-1", chip, project, version, secureVersion));

        Assert.Equal(HttpStatusCode.NoContent, response.StatusCode);
    }

    [Fact]
    public async Task Check_SeveralVersions_OffersTheNewest()
    {
        await using var server = await OtaTestServer.StartAsync();
        foreach (var version in new[] { "1.0.0", "2.10.0", "2.9.1", "2.10.0-rc1" })
        {
            using var upload = await server.UploadAsync(TestFirmware.Build("fleet-app", version));
            Assert.Equal(HttpStatusCode.Created, upload.StatusCode);
        }

        using var response = await server.CheckAsync(new UpdateCheckRequest("dev-1", "esp32", "fleet-app", "1.0.0", 0));

        var offer = await response.Content.ReadFromJsonAsync<UpdateOffer>();
        Assert.Equal("2.10.0", offer!.Version);
    }

    [Fact]
    public async Task Check_NewestHasLowerSecureVersion_OffersTheNewestAllowed()
    {
        await using var server = await OtaTestServer.StartAsync();
        (await server.UploadAsync(TestFirmware.Build("fleet-app", "3.0.0", secureVersion: 0))).Dispose();
        (await server.UploadAsync(TestFirmware.Build("fleet-app", "2.0.0", secureVersion: 2))).Dispose();

        using var allowed = await server.CheckAsync(new UpdateCheckRequest("dev-1", "esp32", "fleet-app", "1.0.0", 1));
        using var none = await server.CheckAsync(new UpdateCheckRequest("dev-2", "esp32", "fleet-app", "1.0.0", 3));

        Assert.Equal("2.0.0", (await allowed.Content.ReadFromJsonAsync<UpdateOffer>())!.Version);
        Assert.Equal(HttpStatusCode.NoContent, none.StatusCode);
    }

    [Fact]
    public async Task Check_OtherChip_OffersThatChipsImage()
    {
        await using var server = await OtaTestServer.StartAsync();
        (await server.UploadAsync(TestFirmware.Build("fleet-app", "2.0.0", chip: EspOta.Images.Chip.Esp32))).Dispose();
        (await server.UploadAsync(TestFirmware.Build("fleet-app", "2.0.0", chip: EspOta.Images.Chip.Esp32C3))).Dispose();

        using var response = await server.CheckAsync(new UpdateCheckRequest("dev-1", "esp32c3", "fleet-app", "1.0.0", 0));

        Assert.Equal("esp32c3", (await response.Content.ReadFromJsonAsync<UpdateOffer>())!.Chip);
    }

    [Fact]
    public async Task Check_AfterDeviceRolledBackFromIt_Returns204()
    {
        await using var server = await OtaTestServer.StartAsync();
        (await server.UploadAsync(VectorImages.Bytes(VectorImages.App))).Dispose();

        // Issue 16: a rollback counts after the server offered that image to that device.
        using (var offer = await server.CheckAsync(new UpdateCheckRequest("dev-1", "esp32", "ota-vector-app", "1.0.0", 0)))
        {
            Assert.Equal(HttpStatusCode.OK, offer.StatusCode);
        }

        using var report = await server.Device.PostAsJsonAsync(
            "/api/devices/dev-1/reports", new DeviceReport(DeviceReportKind.RolledBack, "1.2.3", AppSha, "self-test failed"));
        Assert.Equal(HttpStatusCode.Accepted, report.StatusCode);

        using var response = await server.CheckAsync(new UpdateCheckRequest("dev-1", "esp32", "ota-vector-app", "1.0.0", 0));
        using var other = await server.CheckAsync(new UpdateCheckRequest("dev-2", "esp32", "ota-vector-app", "1.0.0", 0));

        Assert.Equal(HttpStatusCode.NoContent, response.StatusCode);
        Assert.Equal(HttpStatusCode.OK, other.StatusCode);
    }

    [Fact]
    public async Task Check_AfterDeviceRolledBackReportedInUppercase_Returns204()
    {
        await using var server = await OtaTestServer.StartAsync();
        (await server.UploadAsync(VectorImages.Bytes(VectorImages.App))).Dispose();
        using (var offer = await server.CheckAsync(new UpdateCheckRequest("dev-1", "esp32", "ota-vector-app", "1.0.0", 0)))
        {
            Assert.Equal(HttpStatusCode.OK, offer.StatusCode);
        }

        using var report = await server.Device.PostAsJsonAsync(
            "/api/devices/dev-1/reports", new DeviceReport(DeviceReportKind.RolledBack, "1.2.3", AppSha.ToUpperInvariant(), "self-test failed"));
        Assert.Equal(HttpStatusCode.Accepted, report.StatusCode);

        using var response = await server.CheckAsync(new UpdateCheckRequest("dev-1", "esp32", "ota-vector-app", "1.0.0", 0));
        var details = await server.Admin.GetFromJsonAsync<DeviceDetails>("/api/devices/dev-1");

        Assert.Equal(HttpStatusCode.NoContent, response.StatusCode);
        Assert.Equal(AppSha, Assert.Single(details!.History).Sha256);
    }

    [Fact]
    public async Task Check_OlderNumberedVersionUploadedAfterFreeFormOne_Returns204()
    {
        await using var server = await OtaTestServer.StartAsync();
        (await server.UploadAsync(TestFirmware.Build("fleet-app", "dev-build", seed: 1))).Dispose();
        (await server.UploadAsync(TestFirmware.Build("fleet-app", "2.1.0", seed: 2))).Dispose();

        using var response = await server.CheckAsync(new UpdateCheckRequest("dev-1", "esp32", "fleet-app", "3.0.0", 0));

        Assert.Equal(HttpStatusCode.NoContent, response.StatusCode);
    }

    [Fact]
    public async Task Check_MaxJsonBodySizeIntMax_StillAnswers()
    {
        await using var server = await OtaTestServer.StartAsync(o => o.MaxJsonBodySize = int.MaxValue);
        (await server.UploadAsync(VectorImages.Bytes(VectorImages.App))).Dispose();

        using var response = await server.CheckAsync(new UpdateCheckRequest("dev-1", "esp32", "ota-vector-app", "1.0.0", 0));
        using var report = await server.Device.PostAsJsonAsync("/api/devices/dev-1/reports", new DeviceReport(DeviceReportKind.Checking));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(HttpStatusCode.Accepted, report.StatusCode);
    }

    [Fact]
    public async Task CheckGet_QueryParameters_OffersTheSameAsPost()
    {
        await using var server = await OtaTestServer.StartAsync();
        (await server.UploadAsync(VectorImages.Bytes(VectorImages.App))).Dispose();

        using var get = await server.Device.GetAsync("/api/updates/check?device_id=dev-1&chip=esp32&project=ota-vector-app&version=1.0.0&secure_version=7");
        using var post = await server.CheckAsync(new UpdateCheckRequest("dev-1", "esp32", "ota-vector-app", "1.0.0", 7));

        Assert.Equal(HttpStatusCode.OK, get.StatusCode);
        Assert.Equal(await post.Content.ReadFromJsonAsync<UpdateOffer>(), await get.Content.ReadFromJsonAsync<UpdateOffer>());
    }

    [Theory]
    [InlineData("device_id=dev-1&chip=esp32&project=p&version=1")]
    [InlineData("device_id=dev-1&chip=esp32&project=p&version=1&secure_version=-1")]
    [InlineData("device_id=dev-1&device_id=dev-2&chip=esp32&project=p&version=1&secure_version=0")]
    public async Task CheckGet_MissingOrBadParameter_Returns400(string query)
    {
        await using var server = await OtaTestServer.StartAsync();

        using var response = await server.Device.GetAsync($"/api/updates/check?{query}");

        await FirmwareEndpointsTests.AssertProblemAsync(response, HttpStatusCode.BadRequest, ProblemTypes.MalformedRequest);
    }

    [Theory]
    [InlineData("{")]
    [InlineData("[]")]
    [InlineData("null")]
    [InlineData("{\"device_id\":\"d\",\"chip\":\"esp32\",\"project\":\"p\",\"version\":\"1\"}")] // no secure_version
    [InlineData("{\"device_id\":\"d\",\"chip\":\"esp32\",\"project\":\"p\",\"version\":null,\"secure_version\":0}")]
    [InlineData("{\"device_id\":\"d\",\"chip\":\"esp32\",\"project\":\"p\",\"version\":\"1\",\"secure_version\":-1}")]
    public async Task Check_MalformedJson_Returns400Problem(string body)
    {
        await using var server = await OtaTestServer.StartAsync();

        using var response = await server.Device.PostAsync("/api/updates/check", new StringContent(body, Encoding.UTF8, "application/json"));

        await FirmwareEndpointsTests.AssertProblemAsync(response, HttpStatusCode.BadRequest, ProblemTypes.MalformedRequest);
    }

    [Theory]
    [InlineData("")]
    [InlineData("dev/1")]
    [InlineData("dev-1\n")]
    [InlineData(".")]
    [InlineData("..")]
    [InlineData("...")]
    [InlineData("0123456789012345678901234567890123456789012345678901234567890123456789")]
    public async Task Check_BadDeviceId_Returns400(string id)
    {
        await using var server = await OtaTestServer.StartAsync();

        using var response = await server.CheckAsync(new UpdateCheckRequest(id, "esp32", "p", "1", 0));

        await FirmwareEndpointsTests.AssertProblemAsync(response, HttpStatusCode.BadRequest, ProblemTypes.BadId);
    }

    [Fact]
    public async Task Check_OversizedBody_Returns413()
    {
        await using var server = await OtaTestServer.StartAsync(o => o.MaxJsonBodySize = 1024);
        var body = new UpdateCheckRequest("dev-1", "esp32", new string('p', 2000), "1", 0);

        using var response = await server.CheckAsync(body);

        await FirmwareEndpointsTests.AssertProblemAsync(response, HttpStatusCode.RequestEntityTooLarge, ProblemTypes.TooLarge);
    }

    [Fact]
    public async Task Download_WholeImage_ReturnsBytesWithETagAndAcceptRanges()
    {
        await using var server = await OtaTestServer.StartAsync();
        var image = VectorImages.Bytes(VectorImages.App);
        (await server.UploadAsync(image)).Dispose();

        using var response = await server.Device.GetAsync($"/api/updates/firmware/{AppSha}");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal($"\"{AppSha}\"", response.Headers.ETag?.ToString());
        Assert.Contains("bytes", response.Headers.AcceptRanges);
        Assert.Equal(image.Length, response.Content.Headers.ContentLength);
        Assert.Equal(image, await response.Content.ReadAsByteArrayAsync());
    }

    [Fact]
    public async Task Download_Head_ReturnsLengthWithoutBody()
    {
        await using var server = await OtaTestServer.StartAsync();
        var image = VectorImages.Bytes(VectorImages.App);
        (await server.UploadAsync(image)).Dispose();

        using var response = await server.Device.SendAsync(new HttpRequestMessage(HttpMethod.Head, $"/api/updates/firmware/{AppSha}"));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(image.Length, response.Content.Headers.ContentLength);
        Assert.Empty(await response.Content.ReadAsByteArrayAsync());
    }

    [Theory]
    [InlineData(0L, 0L)]
    [InlineData(0L, 4095L)]
    [InlineData(4096L, 70000L)]
    [InlineData(601807L, 601807L)]
    public async Task Download_Range_Returns206WithThoseBytes(long from, long to)
    {
        await using var server = await OtaTestServer.StartAsync();
        var image = VectorImages.Bytes(VectorImages.App);
        (await server.UploadAsync(image)).Dispose();
        using var request = new HttpRequestMessage(HttpMethod.Get, $"/api/updates/firmware/{AppSha}");
        request.Headers.Range = new RangeHeaderValue(from, to);

        using var response = await server.Device.SendAsync(request);

        Assert.Equal(HttpStatusCode.PartialContent, response.StatusCode);
        Assert.Equal(new ContentRangeHeaderValue(from, to, image.Length), response.Content.Headers.ContentRange);
        Assert.Equal(image[(int)from..(int)(to + 1)], await response.Content.ReadAsByteArrayAsync());
    }

    [Fact]
    public async Task Download_OpenEndedRange_ReturnsTheRest()
    {
        await using var server = await OtaTestServer.StartAsync();
        var image = VectorImages.Bytes(VectorImages.App);
        (await server.UploadAsync(image)).Dispose();
        using var request = new HttpRequestMessage(HttpMethod.Get, $"/api/updates/firmware/{AppSha}");
        request.Headers.Range = new RangeHeaderValue(500000, null);

        using var response = await server.Device.SendAsync(request);

        Assert.Equal(HttpStatusCode.PartialContent, response.StatusCode);
        Assert.Equal(image[500000..], await response.Content.ReadAsByteArrayAsync());
    }

    [Fact]
    public async Task Download_RangeBeyondEnd_Returns416WithSize()
    {
        await using var server = await OtaTestServer.StartAsync();
        var image = VectorImages.Bytes(VectorImages.App);
        (await server.UploadAsync(image)).Dispose();
        using var request = new HttpRequestMessage(HttpMethod.Get, $"/api/updates/firmware/{AppSha}");
        request.Headers.Range = new RangeHeaderValue(image.Length, null);

        using var response = await server.Device.SendAsync(request);

        Assert.Equal(HttpStatusCode.RequestedRangeNotSatisfiable, response.StatusCode);
        Assert.Equal($"bytes */{image.Length}", response.Content.Headers.ContentRange?.ToString());
    }

    [Fact]
    public async Task Download_IfRangeWithCurrentETag_Returns206()
    {
        await using var server = await OtaTestServer.StartAsync();
        var image = VectorImages.Bytes(VectorImages.App);
        (await server.UploadAsync(image)).Dispose();
        using var request = new HttpRequestMessage(HttpMethod.Get, $"/api/updates/firmware/{AppSha}");
        request.Headers.Range = new RangeHeaderValue(100, 199);
        request.Headers.IfRange = new RangeConditionHeaderValue($"\"{AppSha}\"");

        using var response = await server.Device.SendAsync(request);

        Assert.Equal(HttpStatusCode.PartialContent, response.StatusCode);
        Assert.Equal(image[100..200], await response.Content.ReadAsByteArrayAsync());
    }

    [Fact]
    public async Task Download_IfRangeWithOtherETag_Returns200WholeImage()
    {
        await using var server = await OtaTestServer.StartAsync();
        var image = VectorImages.Bytes(VectorImages.App);
        (await server.UploadAsync(image)).Dispose();
        using var request = new HttpRequestMessage(HttpMethod.Get, $"/api/updates/firmware/{AppSha}");
        request.Headers.Range = new RangeHeaderValue(100, 199);
        request.Headers.IfRange = new RangeConditionHeaderValue($"\"{new string('0', 64)}\"");

        using var response = await server.Device.SendAsync(request);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(image, await response.Content.ReadAsByteArrayAsync());
    }

    [Fact]
    public async Task Download_IfNoneMatchCurrentETag_Returns304()
    {
        await using var server = await OtaTestServer.StartAsync();
        (await server.UploadAsync(VectorImages.Bytes(VectorImages.App))).Dispose();
        using var request = new HttpRequestMessage(HttpMethod.Get, $"/api/updates/firmware/{AppSha}");
        request.Headers.IfNoneMatch.Add(new EntityTagHeaderValue($"\"{AppSha}\""));

        using var response = await server.Device.SendAsync(request);

        Assert.Equal(HttpStatusCode.NotModified, response.StatusCode);
    }

    [Fact]
    public async Task Download_UnknownSha_Returns404()
    {
        await using var server = await OtaTestServer.StartAsync();

        using var response = await server.Device.GetAsync($"/api/updates/firmware/{new string('a', 64)}");

        await FirmwareEndpointsTests.AssertProblemAsync(response, HttpStatusCode.NotFound, ProblemTypes.NotFound);
    }

    [Fact]
    public async Task Download_MalformedSha_Returns400()
    {
        await using var server = await OtaTestServer.StartAsync();

        using var response = await server.Device.GetAsync("/api/updates/firmware/..%2F..%2Fesp-ota.db");

        await FirmwareEndpointsTests.AssertProblemAsync(response, HttpStatusCode.BadRequest, ProblemTypes.BadId);
    }
}
