using System.Net;
using System.Net.Http.Json;
using System.Text;
using EspOta.Http;
using EspOta.Server.Devices;
using EspOta.Server.Firmware;
using EspOta.Server.Tests.Firmware;

namespace EspOta.Server.Tests.Devices;

public sealed class DeviceEndpointsTests
{
    [Fact]
    public async Task Report_Steps_AreListedAsStateAndHistory()
    {
        await using var server = await OtaTestServer.StartAsync();
        using (await server.CheckAsync(new UpdateCheckRequest("aa:bb:cc:00:11:22", "esp32", "ota-vector-app", "1.0.0", 0)))
        {
        }

        DeviceReport[] steps =
        [
            new(DeviceReportKind.Checking, RunningVersion: "1.0.0"),
            new(DeviceReportKind.Downloading, "1.2.3", new string('a', 64)),
            new(DeviceReportKind.Written, "1.2.3", new string('a', 64)),
            new(DeviceReportKind.Rebooting, "1.2.3", new string('a', 64)),
            new(DeviceReportKind.Booted, "1.2.3", RunningVersion: "1.2.3"),
            new(DeviceReportKind.Failed, "1.2.3", Reason: "self-test failed"),
        ];
        foreach (var step in steps)
        {
            using var response = await server.Device.PostAsJsonAsync("/api/devices/aa:bb:cc:00:11:22/reports", step);
            Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        }

        var details = await server.Admin.GetFromJsonAsync<DeviceDetails>("/api/devices/aa:bb:cc:00:11:22");
        var list = await server.Admin.GetFromJsonAsync<DeviceSummary[]>("/api/devices");

        Assert.Equal(steps.Select(s => s.Kind), details!.History.Select(e => e.Kind));
        Assert.Equal(DeviceReportKind.Failed, details.Device.State);
        Assert.Equal("self-test failed", details.Device.Reason);
        Assert.Equal("1.2.3", details.Device.Version);
        Assert.Equal("esp32", details.Device.Chip);
        Assert.Equal(details.Device, Assert.Single(list!));
    }

    [Fact]
    public async Task Report_JsonUsesSnakeCaseKinds()
    {
        await using var server = await OtaTestServer.StartAsync();
        using var body = new StringContent("{\"kind\":\"rolled_back\",\"version\":\"2\",\"reason\":\"boot loop\"}", Encoding.UTF8, "application/json");

        using var response = await server.Device.PostAsync("/api/devices/dev-1/reports", body);
        string json = await server.Admin.GetStringAsync("/api/devices/dev-1");

        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        Assert.Contains("\"state\":\"rolled_back\"", json, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("{\"kind\":\"exploded\"}")]
    [InlineData("{\"kind\":42}")]
    [InlineData("{\"version\":\"1\"}")]
    [InlineData("not json")]
    public async Task Report_Malformed_Returns400(string json)
    {
        await using var server = await OtaTestServer.StartAsync();

        using var response = await server.Device.PostAsync("/api/devices/dev-1/reports", new StringContent(json, Encoding.UTF8, "application/json"));

        await FirmwareEndpointsTests.AssertProblemAsync(response, HttpStatusCode.BadRequest, ProblemTypes.MalformedRequest);
    }

    [Fact]
    public async Task Report_BadSha_Returns400()
    {
        await using var server = await OtaTestServer.StartAsync();

        using var response = await server.Device.PostAsJsonAsync("/api/devices/dev-1/reports", new DeviceReport(DeviceReportKind.Written, "1", "not-a-sha"));

        await FirmwareEndpointsTests.AssertProblemAsync(response, HttpStatusCode.BadRequest, ProblemTypes.BadId);
    }

    [Fact]
    public async Task Report_BadDeviceId_Returns400()
    {
        await using var server = await OtaTestServer.StartAsync();

        using var response = await server.Device.PostAsJsonAsync("/api/devices/bad%20id/reports", new DeviceReport(DeviceReportKind.Checking));

        await FirmwareEndpointsTests.AssertProblemAsync(response, HttpStatusCode.BadRequest, ProblemTypes.BadId);
    }

    [Fact]
    public async Task Report_BeyondMaxEventsPerDevice_KeepsOnlyTheNewest()
    {
        await using var server = await OtaTestServer.StartAsync(o => o.MaxEventsPerDevice = 3);
        using (await server.Device.PostAsJsonAsync("/api/devices/dev-2/reports", new DeviceReport(DeviceReportKind.Checking, "0")))
        {
        }

        for (int i = 1; i <= 5; i++)
        {
            using var response = await server.Device.PostAsJsonAsync("/api/devices/dev-1/reports", new DeviceReport(DeviceReportKind.Checking, $"{i}"));
            Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        }

        var one = await server.Admin.GetFromJsonAsync<DeviceDetails>("/api/devices/dev-1");
        var two = await server.Admin.GetFromJsonAsync<DeviceDetails>("/api/devices/dev-2");

        Assert.Equal(["3", "4", "5"], one!.History.Select(e => e.Version));
        Assert.Equal("0", Assert.Single(two!.History).Version);
    }

    [Fact]
    public async Task Get_UnknownDevice_Returns404()
    {
        await using var server = await OtaTestServer.StartAsync();

        using var response = await server.Admin.GetAsync("/api/devices/nobody");

        await FirmwareEndpointsTests.AssertProblemAsync(response, HttpStatusCode.NotFound, ProblemTypes.NotFound);
    }

    [Fact]
    public async Task List_WithoutApiKey_Returns401()
    {
        await using var server = await OtaTestServer.StartAsync();

        using var response = await server.Device.GetAsync("/api/devices");

        await FirmwareEndpointsTests.AssertProblemAsync(response, HttpStatusCode.Unauthorized, ProblemTypes.Unauthorized);
    }

    [Fact]
    public async Task Restart_SameDataFolder_KeepsFirmwareDevicesAndDownloads()
    {
        await using var server = await OtaTestServer.StartAsync();
        var image = VectorImages.Bytes(VectorImages.App);
        using (var upload = await server.UploadAsync(image))
        {
            Assert.Equal(HttpStatusCode.Created, upload.StatusCode);
        }

        using (await server.Device.PostAsJsonAsync("/api/devices/dev-1/reports", new DeviceReport(DeviceReportKind.Confirmed, "1.2.3", RunningVersion: "1.2.3")))
        {
        }

        await server.RestartAsync();

        var firmware = await server.Admin.GetFromJsonAsync<FirmwareInfo[]>("/api/firmware");
        var device = await server.Admin.GetFromJsonAsync<DeviceDetails>("/api/devices/dev-1");
        var bytes = await server.Device.GetByteArrayAsync(new Uri(Assert.Single(firmware!).DownloadUrl).PathAndQuery);
        using var again = await server.UploadAsync(image);
        Assert.Equal(DeviceReportKind.Confirmed, device!.Device.State);
        Assert.Equal(image, bytes);
        Assert.Equal(HttpStatusCode.Conflict, again.StatusCode);
    }
}
