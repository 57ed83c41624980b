using EspOta.Server.Encryption;
using EspOta.Server.Firmware;
using EspOta.Server.Operations;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Routing;
using Microsoft.Net.Http.Headers;

namespace EspOta.Server.Updates;

/// <summary>
/// One fixed URL per (project, chip[, channel]) for devices that run an unmodified ESP-IDF example
/// (<c>simple_ota_example</c>, <c>advanced_https_ota_example</c>): <c>CONFIG_EXAMPLE_FIRMWARE_UPGRADE_URL</c>
/// points here and always gets the release current for it (docs/stock-esp-idf-devices.md).
/// </summary>
public static class StableDownloadEndpoints
{
    /// <summary>The path of the stable URL.</summary>
    public static string PathOf(string project, string chip, string? channel = null) =>
        channel is null
            ? $"/api/updates/latest/{Uri.EscapeDataString(project)}/{Uri.EscapeDataString(chip)}"
            : $"/api/updates/latest/{Uri.EscapeDataString(project)}/{Uri.EscapeDataString(chip)}/{Uri.EscapeDataString(channel)}";

    /// <summary>Maps <c>GET|HEAD /api/updates/latest/{project}/{chip}[/{channel}]</c>.</summary>
    public static RouteGroupBuilder MapStableDownloads(this IEndpointRouteBuilder endpoints)
    {
        var group = endpoints.MapGroup("/api/updates/latest").WithTags("Updates");
        group.MapMethods("/{project}/{chip}", [HttpMethods.Get, HttpMethods.Head],
            (HttpContext context, CurrentReleaseService releases, ImageFiles files, IEncryptionStore encryption, ServerMetrics metrics, string project, string chip) =>
                ServeAsync(context, releases, files, encryption, metrics, project, chip, null))
            .Produces(StatusCodes.Status200OK, contentType: "application/octet-stream")
            .Produces(StatusCodes.Status206PartialContent, contentType: "application/octet-stream");
        group.MapMethods("/{project}/{chip}/{channel}", [HttpMethods.Get, HttpMethods.Head],
            (HttpContext context, CurrentReleaseService releases, ImageFiles files, IEncryptionStore encryption, ServerMetrics metrics, string project, string chip, string channel) =>
                ServeAsync(context, releases, files, encryption, metrics, project, chip, channel))
            .Produces(StatusCodes.Status200OK, contentType: "application/octet-stream")
            .Produces(StatusCodes.Status206PartialContent, contentType: "application/octet-stream");
        return group;
    }

    private static async Task<Results<ImageFileResult, ProblemHttpResult>> ServeAsync(
        HttpContext context, CurrentReleaseService releases, ImageFiles files, IEncryptionStore encryption, ServerMetrics metrics, string project, string chip, string? channel)
    {
        var release = await releases.CurrentAsync(project, chip, channel, context.RequestAborted);
        string what = channel is null ? $"{project} for {chip}" : $"{project} for {chip} on channel {channel}";
        if (release is null)
        {
            return Problems.NotFound("release", what);
        }

        // The same open image as /api/updates/firmware/{sha256}: no file-system call per request once it
        // is open (an existence check a second at most). Which image is decided above, per request, so
        // a new release or a rollout step changes what this URL serves at the next request.
        var image = files.TryOpen(release.Sha256);
        if (image is null)
        {
            return Problems.NotFound("release image", release.Sha256);
        }

        // The same validators as /api/updates/firmware/{sha256}: the strong ETag is the image's
        // SHA-256, so If-None-Match and If-Range work as there. The bytes behind this URL change
        // with each release, so caches must revalidate. esp_https_ota's partial download sends
        // fixed-size Range requests without If-Range (esp_https_ota.c); a release landing between
        // two of them makes the assembled image fail its SHA-256 check on the device, which then
        // simply tries again.
        var headers = context.Response.GetTypedHeaders();
        headers.CacheControl = new CacheControlHeaderValue { NoCache = true };
        context.Response.Headers["X-Firmware-Version"] = release.Version;
        context.Response.Headers["X-Firmware-Sha256"] = release.Sha256;

        // An encrypted project's release is served as stored: the esp_encrypted_img file, which is what
        // a stock device built with esp_encrypted_img's decrypt_cb (its pre_encrypted_ota example)
        // downloads; a stock device without it finds no app image magic and keeps its app.
        if (await encryption.GetImageAsync(release.Sha256, context.RequestAborted) is { } encrypted)
        {
            context.Response.Headers["X-Firmware-Encryption"] = "esp_encrypted_img";
            context.Response.Headers["X-Firmware-Image-Sha256"] = encrypted.ImageSha256;
        }

        return new ImageFileResult(image, metrics, lastModified: release.UploadedAt);
    }
}
