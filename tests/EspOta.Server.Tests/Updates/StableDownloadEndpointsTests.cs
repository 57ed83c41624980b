using System.Net;
using System.Net.Http.Json;
using System.Security.Cryptography;
using EspOta.Server.Updates;

namespace EspOta.Server.Tests.Updates;

/// <summary>The stable URL for stock ESP-IDF examples, fetched the way esp_https_ota fetches it.</summary>
public sealed class StableDownloadEndpointsTests
{
    private const string Project = "stock-example";

    /// <summary>CONFIG_EXAMPLE_HTTP_REQUEST_SIZE's default, MBEDTLS_SSL_IN_CONTENT_LEN.</summary>
    private const int RequestSize = 16384;

    private static string Sha(byte[] image) => Convert.ToHexStringLower(SHA256.HashData(image));

    private static async Task<(OtaTestServer Server, byte[] V1, byte[] V2)> StartWithTwoReleasesAsync()
    {
        var server = await OtaTestServer.StartAsync();
        var v1 = TestFirmware.Build(Project, "1.0.0", payload: 40_000, seed: 1);
        var v2 = TestFirmware.Build(Project, "1.1.0", payload: 70_000, seed: 2);
        using (var r = await server.UploadAsync(v2))
        {
            Assert.Equal(HttpStatusCode.Created, r.StatusCode);
        }

        // Uploaded later, but older by version: the stable URL follows the versions, as the update check does.
        using (var r = await server.UploadAsync(v1))
        {
            Assert.Equal(HttpStatusCode.Created, r.StatusCode);
        }

        return (server, v1, v2);
    }

    private static EspHttpClientLike Client(OtaTestServer server, string? channel = null) =>
        new(new Uri(server.BaseAddress, StableDownloadEndpoints.PathOf(Project, "esp32", channel)));

    [Fact]
    public async Task Get_WholeImage_IsTheNewestRelease_WithItsStrongETag()
    {
        var (server, _, v2) = await StartWithTwoReleasesAsync();
        await using var _ = server;

        var response = await Client(server).SendAsync("GET");

        Assert.Equal(200, response.Status);
        Assert.Equal(v2, response.Body);
        Assert.Equal($"\"{Sha(v2)}\"", response.Headers["ETag"]);
        Assert.Equal("bytes", response.Headers["Accept-Ranges"]);
        Assert.Contains("no-cache", response.Headers["Cache-Control"], StringComparison.Ordinal);
        Assert.Equal("1.1.0", response.Headers["X-Firmware-Version"]);
    }

    [Fact]
    public async Task PartialDownload_FixedSizeRangesWithoutIfRange_AssemblesTheImage()
    {
        var (server, _, v2) = await StartWithTwoReleasesAsync();
        await using var _ = server;
        var client = Client(server);

        var (length, received, responses) = await client.PartialDownloadAsync(RequestSize);

        Assert.Equal(v2.Length, length);
        Assert.Equal(v2, received);
        Assert.Equal((v2.Length + RequestSize - 1) / RequestSize, responses.Count);
        Assert.All(responses, r => Assert.Equal($"\"{Sha(v2)}\"", r.Headers["ETag"]));
        Assert.Equal($"bytes 0-{RequestSize - 1}/{v2.Length}", responses[0].Headers["Content-Range"]);
        Assert.Equal($"bytes {(responses.Count - 1) * RequestSize}-{v2.Length - 1}/{v2.Length}", responses[^1].Headers["Content-Range"]);
    }

    [Fact]
    public async Task PartialDownload_ImageSmallerThanOneRequest_AsksUpToTheLengthAndGetsAll()
    {
        var (server, _, v2) = await StartWithTwoReleasesAsync();
        await using var _ = server;

        var (_, received, responses) = await Client(server).PartialDownloadAsync(requestSize: 1 << 20);

        Assert.Single(responses);
        Assert.Equal(v2, received);
    }

    [Fact]
    public async Task Resumption_AfterPowerCut_ContinuesFromTheSavedOffset()
    {
        var (server, _, v2) = await StartWithTwoReleasesAsync();
        await using var _ = server;

        var (_, first, _) = await Client(server).PartialDownloadAsync(RequestSize, stopAfter: 2);
        Assert.Equal(2 * RequestSize, first.Length);

        // CONFIG_EXAMPLE_ENABLE_OTA_RESUMPTION with partial download: the next boot starts at the offset kept in NVS.
        var (_, rest, _) = await Client(server).PartialDownloadAsync(RequestSize, start: first.Length);
        Assert.Equal(v2, first.Concat(rest).ToArray());

        // Resumption without partial download: one "bytes=offset-" request that must be answered 206.
        var open = await Client(server).SendAsync("GET", $"bytes={first.Length}-");
        Assert.Equal(206, open.Status);
        Assert.Equal(v2[first.Length..], open.Body);
    }

    [Fact]
    public async Task NewRelease_ChangesTheBytesAndTheETag_IfNoneMatchAnswers304OnlyWhileCurrent()
    {
        var (server, _, v2) = await StartWithTwoReleasesAsync();
        await using var _ = server;
        var client = Client(server);
        string etag = $"\"{Sha(v2)}\"";

        Assert.Equal(304, (await client.SendAsync("GET", ifNoneMatch: etag)).Status);

        var v3 = TestFirmware.Build(Project, "2.0.0-rc.1", payload: 30_000, seed: 3);
        (await server.UploadAsync(v3)).Dispose();

        var response = await client.SendAsync("GET", ifNoneMatch: etag);
        Assert.Equal(200, response.Status);
        Assert.Equal(v3, response.Body);
        Assert.Equal($"\"{Sha(v3)}\"", response.Headers["ETag"]);
    }

    [Fact]
    public async Task RangePastTheEnd_Returns416()
    {
        var (server, _, v2) = await StartWithTwoReleasesAsync();
        await using var _ = server;

        var response = await Client(server).SendAsync("GET", $"bytes={v2.Length + 10}-");

        Assert.Equal(416, response.Status);
        Assert.Equal($"bytes */{v2.Length}", response.Headers["Content-Range"]);
    }

    [Fact]
    public async Task Channels_StableIsTheDefault_UnknownChannelAndUnknownProjectAre404()
    {
        var (server, _, v2) = await StartWithTwoReleasesAsync();
        await using var _ = server;

        Assert.Equal(v2, (await Client(server, "stable").SendAsync("GET")).Body);
        Assert.Equal(404, (await Client(server, "beta").SendAsync("GET")).Status);
        var unknown = await new EspHttpClientLike(new Uri(server.BaseAddress, StableDownloadEndpoints.PathOf("no-such-project", "esp32"))).SendAsync("GET");
        Assert.Equal(404, unknown.Status);
        Assert.Contains("application/problem+json", unknown.Headers["Content-Type"], StringComparison.Ordinal);
        var otherChip = await new EspHttpClientLike(new Uri(server.BaseAddress, StableDownloadEndpoints.PathOf(Project, "esp32s3"))).SendAsync("HEAD");
        Assert.Equal(404, otherChip.Status);
    }
    /// <summary>
    /// A channel is a device group: a rollout to the group <c>beta</c> reaches <c>…/beta</c> (whole and
    /// in esp_https_ota's ranges) and not the default URL; the default and <c>stable</c> are the same.
    /// </summary>
    [Fact]
    public async Task Channels_AreDeviceGroups_ARolloutToAGroupReachesOnlyItsChannel()
    {
        var (server, v1, v2) = await StartWithTwoReleasesAsync();
        await using var _ = server;
        // 1.0.0 to every device first, then 1.1.0 to the beta group only (the newest rollout decides first).
        await CreateRolloutAsync(server, new { firmware = Sha(v1), stages = new[] { new { percent = 100 } } });
        await CreateRolloutAsync(server, new { firmware = Sha(v2), stages = new[] { new { percent = 100 } }, target = new { group = "beta" } });

        var byDefault = await Client(server).SendAsync("GET");
        var stable = await Client(server, "stable").SendAsync("GET");
        var beta = await Client(server, "beta").SendAsync("GET");
        var (betaLength, betaRanged, _) = await Client(server, "beta").PartialDownloadAsync(RequestSize);
        var unknown = await Client(server, "gamma").SendAsync("GET");

        Assert.Equal(200, byDefault.Status);
        Assert.Equal(v1, byDefault.Body);
        Assert.Equal("1.0.0", byDefault.Headers["X-Firmware-Version"]);
        Assert.Equal(v1, stable.Body);
        Assert.Equal(200, beta.Status);
        Assert.Equal(v2, beta.Body);
        Assert.Equal($"\"{Sha(v2)}\"", beta.Headers["ETag"]);
        Assert.Equal("1.1.0", beta.Headers["X-Firmware-Version"]);
        Assert.Equal(v2.Length, betaLength);
        Assert.Equal(v2, betaRanged);
        Assert.Equal(404, unknown.Status);
    }

    /// <summary>
    /// During a staged rollout that does not cover the URL's stand-in device (an update check would answer "stay"), the
    /// URL serves the release the devices outside the stages keep, not 404.
    /// </summary>
    [Fact]
    public async Task StagedRollout_NotCoveringTheUrl_ServesTheReleaseOutsideItsStages()
    {
        var (server, v1, v2) = await StartWithTwoReleasesAsync();
        await using var _ = server;
        await CreateRolloutAsync(server, new { firmware = Sha(v2), stages = new[] { new { percent = 100 } }, target = new { device_ids = new[] { "lab-1" } } });

        var during = await Client(server).SendAsync("GET");
        var (length, ranged, _) = await Client(server).PartialDownloadAsync(RequestSize);

        Assert.Equal(200, during.Status);
        Assert.Equal("1.0.0", during.Headers["X-Firmware-Version"]);
        Assert.Equal(v1, during.Body);
        Assert.Equal($"\"{Sha(v1)}\"", during.Headers["ETag"]);
        Assert.Equal(v1.Length, length);
        Assert.Equal(v1, ranged);
    }

    private static async Task CreateRolloutAsync(OtaTestServer server, object body)
    {
        using var response = await server.Admin.PostAsJsonAsync("/api/rollouts", body);
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
    }
}
