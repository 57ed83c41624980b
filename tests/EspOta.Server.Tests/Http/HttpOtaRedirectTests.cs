using System.Security.Cryptography;
using EspOta.Device;
using EspOta.Flash;
using EspOta.Http;
using EspOta.Images;

using static EspOta.Server.Tests.Http.HttpTestDevices;

namespace EspOta.Server.Tests.Http;

/// <summary>
/// Redirects on the device (issue 16, item 4): followed like esp_http_client (301/302/303/307/308, at
/// most max_redirection_count) but only within the update server's origin; anything else is refused
/// before a byte is erased, and the device's headers never reach the other host.
/// </summary>
public sealed class HttpOtaRedirectTests
{
    private const string Project = "redirect-app";
    private const string Token = "device-secret-token";

    [Theory]
    [InlineData(301)]
    [InlineData(302)]
    [InlineData(303)]
    [InlineData(307)]
    [InlineData(308)]
    public async Task Install_SameOriginRedirects_FollowsThemForEveryRange(int code)
    {
        var image = TestFirmware.Build(Project, "2.0.0", payload: 150_000);
        await using var server = await RedirectingServer.StartAsync(image);
        using var http = DeviceHttp(server.BaseAddress);
        var device = BootDevice(NewFlash(TestFirmware.Build(Project, "1.0.0")));

        var result = await new HttpOtaClient(http).InstallAsync(device, Chip.Esp32, Offer($"r/{code}/2", image));

        Assert.Equal(("ota_0", "2.0.0"), (device.Ota.GetBootPartition()!.Label, result.App.Version));
        var paths = server.Requests.Select(r => r.Path).ToList();
        // Header request plus ranges of 64 KiB: every request starts at the offer URL and follows the three hops.
        Assert.True(result.Requests >= 3, $"{result.Requests} requests");
        Assert.Equal(result.Requests, paths.Count(p => p == "/fw"));
        Assert.Equal(result.Requests, paths.Count(p => p == $"/r/{code}/0"));
        Assert.Equal(4 * result.Requests, paths.Count);
    }

    [Theory]
    [InlineData(301)]
    [InlineData(302)]
    [InlineData(303)]
    [InlineData(307)]
    [InlineData(308)]
    public async Task Install_RedirectToAnotherHost_RefusedBeforeEraseAndNothingReachesIt(int code)
    {
        var image = TestFirmware.Build(Project, "2.0.0", payload: 50_000);
        await using var server = await RedirectingServer.StartAsync(image);
        await using var other = await RedirectingServer.StartAsync(image, "127.0.0.2");
        server.AwayTo = new Uri(other.BaseAddress, "fw");
        using var http = DeviceHttp(server.BaseAddress);
        var flash = NewFlash(TestFirmware.Build(Project, "1.0.0"));
        var device = BootDevice(flash);
        var before = Snapshot(flash);

        var e = await Assert.ThrowsAsync<EspException>(() => new HttpOtaClient(http).InstallAsync(device, Chip.Esp32, Offer($"away/{code}", image)));

        Assert.Equal(EspError.InvalidResponse, e.Code);
        Assert.Contains(other.BaseAddress.Authority, e.Message, StringComparison.Ordinal);
        Assert.Equal(before, Snapshot(flash));
        Assert.Empty(other.Requests);
        Assert.Equal("factory", device.Ota.GetBootPartition()!.Label);
    }

    [Fact]
    public async Task Install_RedirectToAnotherPortOfTheSameHost_IsAnotherOriginAndRefused()
    {
        var image = TestFirmware.Build(Project, "2.0.0", payload: 20_000);
        await using var server = await RedirectingServer.StartAsync(image);
        await using var other = await RedirectingServer.StartAsync(image);
        server.AwayTo = new Uri(other.BaseAddress, "fw");
        using var http = DeviceHttp(server.BaseAddress);
        var flash = NewFlash(TestFirmware.Build(Project, "1.0.0"));
        var device = BootDevice(flash);
        var before = Snapshot(flash);

        var e = await Assert.ThrowsAsync<EspException>(() => new HttpOtaClient(http).InstallAsync(device, Chip.Esp32, Offer("away/302", image)));

        Assert.Equal(EspError.InvalidResponse, e.Code);
        Assert.Equal(before, Snapshot(flash));
        Assert.Empty(other.Requests);
    }

    [Fact]
    public async Task Install_RedirectLoop_EndsAtMaxRedirectionCountBeforeErase()
    {
        var image = TestFirmware.Build(Project, "2.0.0", payload: 20_000);
        await using var server = await RedirectingServer.StartAsync(image);
        using var http = DeviceHttp(server.BaseAddress);
        var flash = NewFlash(TestFirmware.Build(Project, "1.0.0"));
        var device = BootDevice(flash);
        var before = Snapshot(flash);

        var e = await Assert.ThrowsAsync<EspException>(() => new HttpOtaClient(http).InstallAsync(device, Chip.Esp32, Offer("loop/302/a", image)));

        Assert.Equal(EspError.HttpMaxRedirect, e.Code);
        Assert.Contains("loop", e.Message, StringComparison.Ordinal);
        Assert.Equal(before, Snapshot(flash));
        // The first request and the ten redirects esp_http_client's default max_redirection_count allows.
        Assert.Equal(11, server.Requests.Count);
    }

    [Theory]
    [InlineData(8, 10, true)] // 9 redirects
    [InlineData(9, 10, true)] // 10 redirects: exactly the limit
    [InlineData(10, 10, false)] // 11 redirects
    [InlineData(0, 0, false)] // no redirects allowed, one given
    [InlineData(2, 3, true)]
    [InlineData(3, 3, false)]
    public async Task Install_RedirectCount_FollowsUpToMaxRedirectionsThenRefusesBeforeErase(int hops, int max, bool installs)
    {
        var image = TestFirmware.Build(Project, "2.0.0", payload: 20_000);
        await using var server = await RedirectingServer.StartAsync(image);
        using var http = DeviceHttp(server.BaseAddress);
        var flash = NewFlash(TestFirmware.Build(Project, "1.0.0"));
        var device = BootDevice(flash);
        var before = Snapshot(flash);
        var client = new HttpOtaClient(http, new HttpOtaClientOptions { MaxRedirections = max });

        if (installs)
        {
            var result = await client.InstallAsync(device, Chip.Esp32, Offer($"r/307/{hops}", image));
            Assert.Equal("2.0.0", result.App.Version);
        }
        else
        {
            var e = await Assert.ThrowsAsync<EspException>(() => client.InstallAsync(device, Chip.Esp32, Offer($"r/307/{hops}", image)));
            Assert.Equal(EspError.HttpMaxRedirect, e.Code);
            Assert.Equal(before, Snapshot(flash));
            Assert.DoesNotContain(server.Requests, r => r.Path == "/fw");
        }
    }

    [Theory]
    [InlineData(302)]
    [InlineData(308)]
    public async Task Install_HttpsRedirectToPlainHttp_RefusedAsDowngradeBeforeErase(int code)
    {
        var image = TestFirmware.Build(Project, "2.0.0", payload: 20_000);
        using var files = new EspOta.Server.Tests.Tls.TlsFiles();
        using var certificate = System.Security.Cryptography.X509Certificates.X509Certificate2.CreateFromPemFile(files.CertPath, files.KeyPath);
        await using var server = await RedirectingServer.StartAsync(image, tls: certificate);
        Assert.Equal("https", server.BaseAddress.Scheme);
        using var http = HttpOtaTls.CreateClient(server.BaseAddress, new HttpOtaTlsOptions { CertPem = File.ReadAllText(files.CaPath) });
        var flash = NewFlash(TestFirmware.Build(Project, "1.0.0"));
        var device = BootDevice(flash);
        var before = Snapshot(flash);

        var e = await Assert.ThrowsAsync<EspException>(() => new HttpOtaClient(http).InstallAsync(device, Chip.Esp32, Offer($"down/{code}", image)));

        Assert.Equal(EspError.HttpRedirectDowngrade, e.Code);
        Assert.Equal(before, Snapshot(flash));
        Assert.DoesNotContain(server.Requests, r => r.Path == "/fw");
    }

    [Fact]
    public async Task Install_HttpsSameOriginRedirect_Follows()
    {
        var image = TestFirmware.Build(Project, "2.0.0", payload: 20_000);
        using var files = new EspOta.Server.Tests.Tls.TlsFiles();
        using var certificate = System.Security.Cryptography.X509Certificates.X509Certificate2.CreateFromPemFile(files.CertPath, files.KeyPath);
        await using var server = await RedirectingServer.StartAsync(image, tls: certificate);
        using var http = HttpOtaTls.CreateClient(server.BaseAddress, new HttpOtaTlsOptions { CertPem = File.ReadAllText(files.CaPath) });
        var device = BootDevice(NewFlash(TestFirmware.Build(Project, "1.0.0")));

        var result = await new HttpOtaClient(http).InstallAsync(device, Chip.Esp32, Offer("r/301/1", image));

        Assert.Equal("2.0.0", result.App.Version);
    }

    [Fact]
    public async Task Check_RedirectToAnotherHost_RefusedAndTheTokenStaysHome()
    {
        var image = TestFirmware.Build(Project, "2.0.0", payload: 1_000);
        await using var server = await RedirectingServer.StartAsync(image);
        await using var other = await RedirectingServer.StartAsync(image, "127.0.0.2");
        server.CheckRedirect = new Uri(other.BaseAddress, "api/updates/check");
        using var http = DeviceHttp(server.BaseAddress);

        var e = await Assert.ThrowsAsync<EspException>(() => new HttpOtaClient(http).CheckAsync(new UpdateCheckRequest("dev-1", "esp32", Project, "1.0.0", 0)));

        Assert.Equal(EspError.InvalidResponse, e.Code);
        Assert.Equal(Token, Assert.Single(server.Requests).Token);
        Assert.Empty(other.Requests);
    }

    [Fact]
    public async Task Install_CallersClientFollowsRedirectsItself_StillRefusedBeforeErase()
    {
        // A plain HttpClient follows redirects in its handler (and has already asked the other host):
        // the device still refuses an answer from another origin before anything is erased.
        var image = TestFirmware.Build(Project, "2.0.0", payload: 20_000);
        await using var server = await RedirectingServer.StartAsync(image);
        await using var other = await RedirectingServer.StartAsync(image, "127.0.0.2");
        server.AwayTo = new Uri(other.BaseAddress, "fw");
        using var http = new HttpClient { BaseAddress = server.BaseAddress };
        var flash = NewFlash(TestFirmware.Build(Project, "1.0.0"));
        var device = BootDevice(flash);
        var before = Snapshot(flash);

        var e = await Assert.ThrowsAsync<EspException>(() => new HttpOtaClient(http, new HttpOtaClientOptions { MaxRetries = 0 }).InstallAsync(device, Chip.Esp32, Offer("away/302", image)));

        Assert.Equal(EspError.InvalidResponse, e.Code);
        Assert.Equal(before, Snapshot(flash));
    }

    /// <summary>The device's own client (HttpOtaTls, plain HTTP allowed for the loopback test server) with its enrolment token as a default header.</summary>
    private static HttpClient DeviceHttp(Uri server)
    {
        var http = HttpOtaTls.CreateClient(server, new HttpOtaTlsOptions { AllowHttp = true });
        http.DefaultRequestHeaders.Add("X-Device-Token", Token);
        return http;
    }

    private static UpdateOffer Offer(string url, byte[] image) =>
        new(url, image.Length, Convert.ToHexStringLower(SHA256.HashData(image)), Project, "2.0.0", 0, "esp32");

    private static byte[] Snapshot(IFlash flash)
    {
        var bytes = new byte[flash.Size];
        flash.Read(0, bytes);
        return bytes;
    }
}
