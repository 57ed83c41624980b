using System.Net;
using System.Net.Http.Json;
using System.Net.Sockets;
using System.Text;
using EspOta.Http;
using EspOta.Server.Devices;
using EspOta.Server.Firmware;
using EspOta.Server.Tests.Firmware;
using Microsoft.Extensions.Logging;

namespace EspOta.Server.Tests.Hardening;

/// <summary>Issue 16, server items 2, 3 and 7: what an unauthenticated client can no longer do.</summary>
public sealed class HostileRequestTests
{
    private static readonly string AppSha = VectorImages.Facts(VectorImages.App).GetProperty("file_sha256").GetString()!;

    [Theory]
    [InlineData("project")]
    [InlineData("version")]
    [InlineData("chip")]
    public async Task Check_OverlongString_Returns400AndStoresNothing(string field)
    {
        await using var server = await OtaTestServer.StartAsync();
        string longValue = new('x', 65);
        var body = new Dictionary<string, object>
        {
            ["device_id"] = "dev-1",
            ["chip"] = field == "chip" ? longValue : "esp32",
            ["project"] = field == "project" ? longValue : "p",
            ["version"] = field == "version" ? longValue : "1",
            ["secure_version"] = 0,
        };

        using var response = await server.Device.PostAsJsonAsync("/api/updates/check", body);

        await FirmwareEndpointsTests.AssertProblemAsync(response, HttpStatusCode.BadRequest, ProblemTypes.TooLong);
        using var device = await server.Admin.GetAsync("/api/devices/dev-1");
        Assert.Equal(HttpStatusCode.NotFound, device.StatusCode);
    }

    [Theory]
    [InlineData("reason", 257)]
    [InlineData("version", 65)]
    [InlineData("project", 65)]
    [InlineData("running_version", 65)]
    public async Task Report_OverlongString_Returns400AndStoresNothing(string field, int length)
    {
        await using var server = await OtaTestServer.StartAsync();
        var body = new Dictionary<string, object> { ["kind"] = "failed", [field] = new string('x', length) };

        using var response = await server.Device.PostAsJsonAsync("/api/devices/dev-1/reports", body);

        await FirmwareEndpointsTests.AssertProblemAsync(response, HttpStatusCode.BadRequest, ProblemTypes.TooLong);
        using var device = await server.Admin.GetAsync("/api/devices/dev-1");
        Assert.Equal(HttpStatusCode.NotFound, device.StatusCode);
    }

    [Fact]
    public async Task Report_LongestAllowedReason_IsAccepted()
    {
        await using var server = await OtaTestServer.StartAsync();

        using var response = await server.Device.PostAsJsonAsync("/api/devices/dev-1/reports", new DeviceReport(DeviceReportKind.Failed, Reason: new string('x', 256)));

        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
    }

    [Fact]
    public async Task Reports_FromOneAddressBeyondTheLimit_Get429AndCreateNoRows()
    {
        await using var server = await OtaTestServer.StartAsync(o =>
        {
            o.DeviceRequestsPerSecond = 1;
            o.DeviceRequestBurst = 5;
        });

        var codes = new List<HttpStatusCode>();
        for (int i = 0; i < 20; i++)
        {
            using var response = await server.Device.PostAsJsonAsync($"/api/devices/flood-{i}/reports", new DeviceReport(DeviceReportKind.Checking));
            codes.Add(response.StatusCode);
            if (response.StatusCode == HttpStatusCode.TooManyRequests)
            {
                await FirmwareEndpointsTests.AssertProblemAsync(response, HttpStatusCode.TooManyRequests, ProblemTypes.RateLimited);
            }
        }

        var devices = await server.Admin.GetFromJsonAsync<DeviceSummary[]>("/api/devices");
        int accepted = codes.Count(c => c == HttpStatusCode.Accepted);
        Assert.InRange(accepted, 5, 7); // the burst, plus what refilled during the run
        Assert.Equal(20 - accepted, codes.Count(c => c == HttpStatusCode.TooManyRequests));
        Assert.Equal(accepted, devices!.Length);
    }

    [Fact]
    public async Task DeviceList_IsPaged()
    {
        await using var server = await OtaTestServer.StartAsync(o => o.DefaultPageSize = 2);
        foreach (string id in new[] { "d-3", "d-1", "d-2", "d-5", "d-4" })
        {
            (await server.Device.PostAsJsonAsync($"/api/devices/{id}/reports", new DeviceReport(DeviceReportKind.Checking))).Dispose();
        }

        var ids = new List<string>();
        string? next = "/api/devices";
        int pages = 0;
        while (next is not null)
        {
            using var response = await server.Admin.GetAsync(next);
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            var page = await response.Content.ReadFromJsonAsync<DeviceSummary[]>();
            Assert.InRange(page!.Length, 0, 2);
            ids.AddRange(page.Select(d => d.Id));
            next = NextLink(response);
            pages++;
        }

        Assert.Equal(["d-1", "d-2", "d-3", "d-4", "d-5"], ids);
        Assert.Equal(3, pages);
    }

    [Fact]
    public async Task FirmwareList_IsPagedAndKeepsFilters()
    {
        await using var server = await OtaTestServer.StartAsync();
        for (int i = 1; i <= 3; i++)
        {
            (await server.UploadAsync(TestFirmware.Build("paged", $"1.{i}.0"))).Dispose();
        }

        (await server.UploadAsync(TestFirmware.Build("other", "1.0.0"))).Dispose();

        using var first = await server.Admin.GetAsync("/api/firmware?project=paged&limit=2");
        var page1 = await first.Content.ReadFromJsonAsync<FirmwareInfo[]>();
        string next = NextLink(first)!;
        using var second = await server.Admin.GetAsync(next);
        var page2 = await second.Content.ReadFromJsonAsync<FirmwareInfo[]>();

        Assert.Equal(["1.1.0", "1.2.0"], page1!.Select(f => f.Version));
        Assert.Equal(["1.3.0"], page2!.Select(f => f.Version));
        Assert.Null(NextLink(second));
        using var bad = await server.Admin.GetAsync("/api/firmware?limit=100000");
        await FirmwareEndpointsTests.AssertProblemAsync(bad, HttpStatusCode.BadRequest, ProblemTypes.BadPage);
    }

    [Fact]
    public async Task Enrollment_Required_UnknownDeviceCreatesNoRow()
    {
        await using var server = await OtaTestServer.StartAsync(o => o.RequireEnrollment = true);

        using var check = await server.CheckAsync(new UpdateCheckRequest("stranger", "esp32", "p", "1", 0));
        using var report = await server.Device.PostAsJsonAsync("/api/devices/stranger/reports", new DeviceReport(DeviceReportKind.Checking));

        await FirmwareEndpointsTests.AssertProblemAsync(check, HttpStatusCode.Unauthorized, ProblemTypes.DeviceTokenRequired);
        await FirmwareEndpointsTests.AssertProblemAsync(report, HttpStatusCode.Unauthorized, ProblemTypes.DeviceTokenRequired);
        Assert.Empty((await server.Admin.GetFromJsonAsync<DeviceSummary[]>("/api/devices"))!);
    }

    [Fact]
    public async Task Enrollment_Required_OnlyTheDevicesOwnTokenIsAccepted()
    {
        await using var server = await OtaTestServer.StartAsync(o => o.RequireEnrollment = true);
        var mine = await EnrollAsync(server, "dev-1");
        var other = await EnrollAsync(server, "dev-2");

        using var withOwn = await Send(server, "dev-1", mine.Token);
        using var withOthers = await Send(server, "dev-1", other.Token);
        using var withoutToken = await Send(server, "dev-1", null);
        using var enrollWithoutKey = await server.Device.PostAsync("/api/devices/dev-3/enrollment", null);

        Assert.Equal(HttpStatusCode.NoContent, withOwn.StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, withOthers.StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, withoutToken.StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, enrollWithoutKey.StatusCode);
        Assert.Equal(["dev-1"], (await server.Admin.GetFromJsonAsync<DeviceSummary[]>("/api/devices"))!.Select(d => d.Id));

        static async Task<HttpResponseMessage> Send(OtaTestServer server, string id, string? token)
        {
            using var request = new HttpRequestMessage(HttpMethod.Post, "/api/updates/check")
            {
                Content = JsonContent.Create(new UpdateCheckRequest(id, "esp32", "p", "1", 0)),
            };
            if (token is not null)
            {
                request.Headers.Add("X-Device-Token", token);
            }

            return await server.Device.SendAsync(request);
        }
    }

    [Fact]
    public async Task RolledBack_ForgedWithoutAnOffer_DoesNotBlockTheVictim()
    {
        await using var server = await OtaTestServer.StartAsync();
        (await server.UploadAsync(VectorImages.Bytes(VectorImages.App))).Dispose();

        // The attacker knows the victim's id and the image's hash, but the server never offered it to the victim.
        using var forged = await server.Device.PostAsJsonAsync(
            "/api/devices/victim/reports", new DeviceReport(DeviceReportKind.RolledBack, "1.2.3", AppSha, "forged"));
        using var check = await server.CheckAsync(new UpdateCheckRequest("victim", "esp32", "ota-vector-app", "1.0.0", 0));

        Assert.Equal(HttpStatusCode.Accepted, forged.StatusCode);
        Assert.Equal(HttpStatusCode.OK, check.StatusCode);
    }

    [Fact]
    public async Task RolledBack_ForEnrolledDevice_NeedsItsToken()
    {
        await using var server = await OtaTestServer.StartAsync();
        (await server.UploadAsync(VectorImages.Bytes(VectorImages.App))).Dispose();
        var enrollment = await EnrollAsync(server, "victim");

        using var forged = await server.Device.PostAsJsonAsync(
            "/api/devices/victim/reports", new DeviceReport(DeviceReportKind.RolledBack, "1.2.3", AppSha, "forged"));
        using var check = new HttpRequestMessage(HttpMethod.Post, "/api/updates/check")
        {
            Content = JsonContent.Create(new UpdateCheckRequest("victim", "esp32", "ota-vector-app", "1.0.0", 0)),
        };
        check.Headers.Add("X-Device-Token", enrollment.Token);
        using var offer = await server.Device.SendAsync(check);

        await FirmwareEndpointsTests.AssertProblemAsync(forged, HttpStatusCode.Unauthorized, ProblemTypes.DeviceTokenRequired);
        Assert.Equal(HttpStatusCode.OK, offer.StatusCode);
    }

    [Fact]
    public async Task Body_CutOffBeforeContentLength_Returns400WithoutErrorLog()
    {
        await using var server = await OtaTestServer.StartAsync();

        // The client's FIN ends the connection for Kestrel, so no response reaches it: what matters
        // is a 400 (not 500) on the server's side, no error-level log, and a server that goes on.
        await RawAsync(server, "POST /api/updates/check HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 500\r\n\r\n{\"device_id\":", halfClose: true);
        // The server logs after the client has gone; on a loaded machine that can take a while.
        for (var waited = System.Diagnostics.Stopwatch.StartNew(); waited.Elapsed < TimeSpan.FromSeconds(15)
            && !server.Logs.Any(l => l.Message.Contains("Setting HTTP status code 400", StringComparison.Ordinal));)
        {
            await Task.Delay(50);
        }

        Assert.Contains(server.Logs, l => l.Category == "EspOta.Server.RequestBody");
        Assert.Contains(server.Logs, l => l.Message.Contains("Setting HTTP status code 400", StringComparison.Ordinal));
        AssertNoErrorLogs(server);
        using var next = await server.Device.GetAsync("/healthz");
        Assert.Equal(HttpStatusCode.OK, next.StatusCode);
    }

    [Fact]
    public async Task Body_Stalled_Returns408WithoutErrorLog()
    {
        await using var server = await OtaTestServer.StartAsync(o => o.RequestBodyIdleTimeout = TimeSpan.FromMilliseconds(500));

        string status = await RawAsync(server, "POST /api/devices/dev-1/reports HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 500\r\n\r\n{\"kind\":", halfClose: false);

        Assert.StartsWith("HTTP/1.1 408", status, StringComparison.Ordinal);
        AssertNoErrorLogs(server);
    }

    [Fact]
    public async Task Upload_Stalled_Returns408WithoutErrorLogAndLeavesNoFile()
    {
        await using var server = await OtaTestServer.StartAsync(o => o.RequestBodyIdleTimeout = TimeSpan.FromMilliseconds(500));

        string status = await RawAsync(
            server,
            $"POST /api/firmware HTTP/1.1\r\nHost: x\r\nX-Api-Key: {OtaTestServer.ApiKey}\r\nContent-Type: application/octet-stream\r\nContent-Length: 100000\r\n\r\nE",
            halfClose: false);

        Assert.StartsWith("HTTP/1.1 408", status, StringComparison.Ordinal);
        AssertNoErrorLogs(server);
        Assert.Empty(Directory.GetFiles(Path.Combine(server.DataDirectory, "tmp")));
    }

    [Theory]
    [InlineData("/api/updates/check", "{\"device_id\":\"d\",\"chip\":\"esp32\",\"project\":\"p\",\"version\":\"1\",\"secure_version\":\"5\"}")]
    [InlineData("/api/devices/d/reports", "{\"kind\":6}")]
    [InlineData("/api/devices/d/reports", "{\"kind\":\"6\"}")]
    [InlineData("/api/devices/d/reports", "{\"kind\":\"no_such_kind\"}")]
    [InlineData("/api/updates/check", "{\"device_id\":\"d\",\"chip\":\"esp32\",\"project\":\"p\",\"version\":\"1\",\"secure_version\":1e40}")]
    [InlineData("/api/updates/check", "{\"device_id\":\"d\",\"chip\":\"esp32\"}")]
    public async Task Body_WrongTypes_Returns400WithoutDotNetTypeNames(string path, string body)
    {
        await using var server = await OtaTestServer.StartAsync();

        using var response = await server.Device.PostAsync(path, new StringContent(body, Encoding.UTF8, "application/json"));

        await FirmwareEndpointsTests.AssertProblemAsync(response, HttpStatusCode.BadRequest, ProblemTypes.MalformedRequest);
        string text = await response.Content.ReadAsStringAsync();
        Assert.DoesNotContain("System.", text, StringComparison.Ordinal);
        Assert.DoesNotContain("EspOta.", text, StringComparison.Ordinal);
        Assert.DoesNotContain("UInt32", text, StringComparison.Ordinal);
        Assert.DoesNotContain("DeviceReportKind", text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Body_MissingProperty_NamesItInSnakeCase()
    {
        await using var server = await OtaTestServer.StartAsync();

        using var response = await server.Device.PostAsync(
            "/api/updates/check", new StringContent("{\"device_id\":\"d\",\"chip\":\"esp32\",\"project\":\"p\",\"version\":\"1\"}", Encoding.UTF8, "application/json"));

        Assert.Contains("secure_version", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("items=0-5")]
    [InlineData("pages=1")]
    public async Task Download_RangeInAnotherUnit_ReturnsPlain200(string range)
    {
        await using var server = await OtaTestServer.StartAsync();
        var image = VectorImages.Bytes(VectorImages.App);
        (await server.UploadAsync(image)).Dispose();
        using var request = new HttpRequestMessage(HttpMethod.Get, $"/api/updates/firmware/{AppSha}");
        request.Headers.TryAddWithoutValidation("Range", range);

        using var response = await server.Device.SendAsync(request);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(image, await response.Content.ReadAsByteArrayAsync());
    }

    internal static string? NextLink(HttpResponseMessage response) =>
        response.Headers.TryGetValues("Link", out var links)
            ? links.Select(l => System.Text.RegularExpressions.Regex.Match(l, "^<([^>]+)>; rel=\"next\"$")).FirstOrDefault(m => m.Success)?.Groups[1].Value
            : null;

    internal static async Task<DeviceEnrollment> EnrollAsync(OtaTestServer server, string id)
    {
        using var response = await server.Admin.PostAsync($"/api/devices/{id}/enrollment", null);
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        return (await response.Content.ReadFromJsonAsync<DeviceEnrollment>())!;
    }

    private static void AssertNoErrorLogs(OtaTestServer server) =>
        Assert.True(!server.Logs.Any(l => l.Level >= LogLevel.Error), string.Join("\n", server.Logs.Where(l => l.Level >= LogLevel.Error).Select(l => $"{l.Category}: {l.Message} {l.Exception}")));

    /// <summary>Sends raw bytes and returns the status line; half-closing tells the server the body ended early.</summary>
    private static async Task<string> RawAsync(OtaTestServer server, string request, bool halfClose)
    {
        using var client = new TcpClient();
        await client.ConnectAsync(server.BaseAddress.Host, server.BaseAddress.Port);
        var stream = client.GetStream();
        await stream.WriteAsync(Encoding.ASCII.GetBytes(request));
        if (halfClose)
        {
            client.Client.Shutdown(SocketShutdown.Send);
        }

        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(20));
        var buffer = new byte[4096];
        int n;
        try
        {
            n = await stream.ReadAsync(buffer, timeout.Token);
        }
        catch (IOException)
        {
            n = 0; // reset: the server closed without answering
        }

        string text = Encoding.ASCII.GetString(buffer, 0, n);
        await Task.Delay(100); // let the server finish logging the request
        return text.Split("\r\n")[0];
    }
}
