using System.Net;
using System.Text.Json;
using EspOta.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;

namespace EspOta.Server.Tests.Operations;

/// <summary>Issue 18's operator conventions: OpenAPI, health, metrics, configuration.</summary>
public sealed class OperationsTests
{
    [Fact]
    public async Task OpenApi_CoversEveryEndpoint()
    {
        await using var server = await OtaTestServer.StartAsync();

        using var doc = JsonDocument.Parse(await server.Device.GetStringAsync("/openapi/v1.json"));
        var documented = doc.RootElement.GetProperty("paths").EnumerateObject()
            .SelectMany(p => p.Value.EnumerateObject().Select(m => $"{m.Name.ToUpperInvariant()} {p.Name}"))
            .ToHashSet();
        var endpoints = server.Services.GetRequiredService<EndpointDataSource>().Endpoints.OfType<RouteEndpoint>()
            .Where(e => e.RoutePattern.RawText is { } raw && !raw.StartsWith("/openapi", StringComparison.Ordinal))
            .ToList();

        // The dashboard's HTML pages are not API and say so (ExcludeFromDescription); nothing else may.
        static bool Excluded(RouteEndpoint e) => e.Metadata.GetMetadata<Microsoft.AspNetCore.Routing.IExcludeFromDescriptionMetadata>() is { ExcludeFromDescription: true };
        Assert.All(endpoints.Where(Excluded), e => Assert.StartsWith("/dashboard", e.RoutePattern.RawText!, StringComparison.Ordinal));
        var mapped = endpoints.Where(e => !Excluded(e))
            .SelectMany(e => (e.Metadata.GetMetadata<HttpMethodMetadata>()?.HttpMethods ?? []).Select(m => $"{m} {Normalize(e.RoutePattern.RawText!)}"))
            .ToHashSet();

        Assert.NotEmpty(mapped);
        Assert.Empty(mapped.Except(documented));
        Assert.Contains("POST /api/updates/check", documented);
        Assert.Contains("GET /readyz", documented);
    }

    [Fact]
    public async Task Health_LiveAndReady()
    {
        await using var server = await OtaTestServer.StartAsync();

        using var live = await server.Device.GetAsync("/healthz");
        using var ready = await server.Device.GetAsync("/readyz");

        Assert.Equal(HttpStatusCode.OK, live.StatusCode);
        Assert.Equal(HttpStatusCode.OK, ready.StatusCode);
    }

    [Fact]
    public async Task Ready_DatabaseGone_Returns503()
    {
        string folder = Path.Combine(Path.GetTempPath(), "esp-ota-readyz-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(folder);
        await using var server = await OtaTestServer.StartAsync(o => o.ConnectionString = $"Data Source={Path.Combine(folder, "meta.db")};Pooling=False");

        // The server's background work can open the database while the folder goes (a journal file appears after the
        // listing, and the last rmdir finds the folder not empty): delete until it is gone.
        for (int attempt = 0; Directory.Exists(folder); attempt++)
        {
            try
            {
                Directory.Delete(folder, recursive: true);
            }
            catch (IOException) when (attempt < 20)
            {
                await Task.Delay(50);
            }
        }

        using var ready = await server.Device.GetAsync("/readyz");

        Assert.Equal(HttpStatusCode.ServiceUnavailable, ready.StatusCode);
    }

    [Fact]
    public async Task Metrics_CountChecksDownloadsBytesAndReportsInPrometheusText()
    {
        await using var server = await OtaTestServer.StartAsync();
        var image = TestFirmware.Build("metrics", "2.0.0");
        (await server.UploadAsync(image)).Dispose();
        using var offer = await server.CheckAsync(new UpdateCheckRequest("m-1", "esp32", "metrics", "1.0.0", 0));
        using var none = await server.CheckAsync(new UpdateCheckRequest("m-2", "esp32", "other", "1.0.0", 0));
        string sha = Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(image));
        (await server.Device.GetByteArrayAsync($"/api/updates/firmware/{sha}")).ToString();
        (await server.Device.PostAsync("/api/devices/m-1/reports", System.Net.Http.Json.JsonContent.Create(new DeviceReport(DeviceReportKind.Confirmed)))).Dispose();

        using var response = await server.Device.GetAsync("/metrics");
        string text = await response.Content.ReadAsStringAsync();

        Assert.Equal("text/plain", response.Content.Headers.ContentType!.MediaType);
        Assert.Contains("# TYPE espota_update_checks_total counter", text, StringComparison.Ordinal);
        Assert.Contains("espota_update_checks_total{result=\"offer\"} 1\n", text, StringComparison.Ordinal);
        Assert.Contains("espota_update_checks_total{result=\"none\"} 1\n", text, StringComparison.Ordinal);
        Assert.Contains("espota_downloads_total{status=\"200\"} 1\n", text, StringComparison.Ordinal);
        Assert.Contains($"espota_bytes_served_bytes_total {image.Length}\n", text, StringComparison.Ordinal);
        Assert.Contains("espota_reports_total{kind=\"confirmed\"} 1\n", text, StringComparison.Ordinal);
        Assert.Contains("espota_uploads_total{result=\"created\"} 1\n", text, StringComparison.Ordinal);
    }

    private static string Normalize(string pattern) => "/" + pattern.Trim('/');
}
