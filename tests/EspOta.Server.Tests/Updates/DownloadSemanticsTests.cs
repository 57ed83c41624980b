using System.Net;
using EspOta.Server.Firmware;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Net.Http.Headers;

namespace EspOta.Server.Tests.Updates;

/// <summary>
/// The image download answers most requests itself (Updates/ImageFileResult) rather than through
/// ASP.NET Core's file result. Its HTTP semantics must still be the framework's: every combination of
/// Range, If-Range and the other conditionals, GET and HEAD, gets the same status, headers and bytes
/// from our server as from <c>TypedResults.PhysicalFile</c> serving the same file in a plain app.
/// </summary>
public sealed class DownloadSemanticsTests
{
    private static readonly string[] Ranges =
    [
        "", "bytes=0-0", "bytes=0-65535", "bytes=100-", "bytes=-500", "bytes=-99999999", "bytes=601807-601807",
        "bytes=601800-700000", "bytes=601808-", "bytes=601808-601900", "bytes=-0", "bytes=5-3", "bytes=0-1,5-9",
        "Bytes=0-9", "bytes= 0-9", "bytes=abc", "bytes=99999999999999999999-", "bytes=0-99999999999999999999",
    ];

    private static readonly string[] HeaderNamesCompared =
    [
        "Content-Type", "Content-Length", "Content-Range", "Accept-Ranges", "ETag", "Last-Modified",
    ];

    [Fact]
    public async Task Download_EveryRangeAndConditionalCombination_MatchesTheFrameworkFileResult()
    {
        await using var server = await OtaTestServer.StartAsync();
        var image = VectorImages.Bytes(VectorImages.App);
        (await server.UploadAsync(image)).Dispose();
        string sha = Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(image));
        string path = server.Services.GetRequiredService<ImageFiles>().PathOf(sha);
        string etag = $"\"{sha}\"";
        DateTimeOffset modified = File.GetLastWriteTimeUtc(path);
        string modifiedText = HeaderUtilities.FormatDate(modified);
        (string Name, string Value)[] conditionals =
        [
            ("", ""), ("If-Range", etag), ("If-Range", $"\"{new string('0', 64)}\""), ("If-Range", modifiedText),
            ("If-Range", "W/" + etag), ("If-None-Match", etag), ("If-None-Match", "\"other\""), ("If-None-Match", "*"),
            ("If-Modified-Since", modifiedText), ("If-Modified-Since", HeaderUtilities.FormatDate(modified.AddDays(-1))),
            ("If-Match", "\"other\""), ("If-Match", etag), ("If-Unmodified-Since", HeaderUtilities.FormatDate(modified.AddDays(-1))),
        ];

        await using var reference = await ReferenceAsync(path, modified, etag);
        using var ours = new HttpClient { BaseAddress = server.BaseAddress };
        using var theirs = new HttpClient { BaseAddress = new Uri(reference.Urls.Single()) };
        int compared = 0, fastStatuses = 0;
        foreach (var method in new[] { HttpMethod.Get, HttpMethod.Head })
        {
            foreach (string range in Ranges)
            {
                foreach (var (name, value) in conditionals)
                {
                    string what = $"{method} Range '{range}' {name} '{value}'";
                    var expected = await SendAsync(theirs, "/file", method, range, name, value);
                    var actual = await SendAsync(ours, $"/api/updates/firmware/{sha}", method, range, name, value);
                    Assert.True(expected.Status == actual.Status, $"{what}: status {actual.Status}, framework {expected.Status}");
                    foreach (string header in HeaderNamesCompared)
                    {
                        Assert.True(expected.Headers.GetValueOrDefault(header) == actual.Headers.GetValueOrDefault(header),
                            $"{what}: {header} '{actual.Headers.GetValueOrDefault(header)}', framework '{expected.Headers.GetValueOrDefault(header)}'");
                    }

                    // Error bodies are problem details carrying each request's own trace id; the rest are image bytes.
                    Assert.True((int)actual.Status >= 400 || expected.Body.AsSpan().SequenceEqual(actual.Body), $"{what}: {actual.Body.Length} body bytes, framework {expected.Body.Length}");
                    compared++;
                    fastStatuses += actual.Status is HttpStatusCode.OK or HttpStatusCode.PartialContent ? 1 : 0;
                }
            }
        }

        Assert.Equal(2 * Ranges.Length * conditionals.Length, compared);
        Assert.True(fastStatuses > compared / 2, $"only {fastStatuses} of {compared} responses sent bytes: the matrix lost its point");
    }

    [Fact]
    public async Task Download_ImageNotYetUploaded_IsServedAsSoonAsItLands()
    {
        await using var server = await OtaTestServer.StartAsync();
        var image = VectorImages.Bytes(VectorImages.App);
        string sha = Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(image));
        using (var before = await server.Device.GetAsync($"/api/updates/firmware/{sha}"))
        {
            Assert.Equal(HttpStatusCode.NotFound, before.StatusCode);
        }

        (await server.UploadAsync(image)).Dispose();

        // No negative caching: the 404 just before does not hide the new image.
        using var after = await server.Device.GetAsync($"/api/updates/firmware/{sha}");
        Assert.Equal(HttpStatusCode.OK, after.StatusCode);
        Assert.Equal(image, await after.Content.ReadAsByteArrayAsync());
    }

    [Fact]
    public async Task Download_ImageFileRemovedWhileOpen_StopsBeingServed()
    {
        await using var server = await OtaTestServer.StartAsync();
        var image = VectorImages.Bytes(VectorImages.App);
        (await server.UploadAsync(image)).Dispose();
        string sha = Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(image));
        using (var first = await server.Device.GetAsync($"/api/updates/firmware/{sha}"))
        {
            Assert.Equal(HttpStatusCode.OK, first.StatusCode); // now held open
        }

        // As a failed upload's clean-up or another server's reconcile on a shared folder would.
        File.Delete(server.Services.GetRequiredService<ImageFiles>().PathOf(sha));

        var status = HttpStatusCode.OK;
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
        while (status != HttpStatusCode.NotFound && DateTime.UtcNow < deadline)
        {
            await Task.Delay(TimeSpan.FromMilliseconds(ImageFiles.RecheckMilliseconds / 4));
            using var response = await server.Device.GetAsync($"/api/updates/firmware/{sha}");
            status = response.StatusCode;
        }

        Assert.Equal(HttpStatusCode.NotFound, status);
    }

    private static async Task<WebApplication> ReferenceAsync(string path, DateTimeOffset modified, string etag)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Services.AddProblemDetails();
        var app = builder.Build();

        // The same middleware around the result as the update server, so only the result differs.
        app.UseExceptionHandler();
        app.UseStatusCodePages();
        app.MapMethods("/file", [HttpMethods.Get, HttpMethods.Head], () => TypedResults.PhysicalFile(
            path, "application/octet-stream", fileDownloadName: null, lastModified: modified,
            entityTag: new EntityTagHeaderValue(etag), enableRangeProcessing: true));
        await app.StartAsync();
        return app;
    }

    private static async Task<(HttpStatusCode Status, Dictionary<string, string> Headers, byte[] Body)> SendAsync(
        HttpClient client, string path, HttpMethod method, string range, string name, string value)
    {
        using var request = new HttpRequestMessage(method, path);
        if (range.Length > 0)
        {
            request.Headers.TryAddWithoutValidation("Range", range);
        }

        if (name.Length > 0)
        {
            request.Headers.TryAddWithoutValidation(name, value);
        }

        using var response = await client.SendAsync(request);
        var headers = response.Headers.Concat(response.Content.Headers)
            .ToDictionary(h => h.Key, h => string.Join(", ", h.Value), StringComparer.OrdinalIgnoreCase);
        return (response.StatusCode, headers, await response.Content.ReadAsByteArrayAsync());
    }
}
