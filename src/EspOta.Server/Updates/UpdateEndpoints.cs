using EspOta.Http;
using EspOta.Server.Devices;
using EspOta.Server.Firmware;
using EspOta.Server.Rollouts;
using EspOta.Server.Operations;
using EspOta.Server.Security;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Microsoft.Net.Http.Headers;

namespace EspOta.Server.Updates;

/// <summary>What devices call, without an API key: the update check and the image download.</summary>
public static class UpdateEndpoints
{
    /// <summary>Maps <c>POST|GET /api/updates/check</c> and <c>GET|HEAD /api/updates/firmware/{sha256}</c>.</summary>
    public static RouteGroupBuilder MapUpdates(this IEndpointRouteBuilder endpoints)
    {
        var group = endpoints.MapGroup("/api/updates").WithTags("Updates");
        group.MapPost("/check", CheckAsync).Accepts<UpdateCheckRequest>("application/json").DisableAntiforgery()
            .RequireRateLimiting(DeviceEndpoints.RateLimitPolicy)
            .WithSummary("A device asks whether it should update (200 offer, 204 nothing)")
            .ProducesProblem(StatusCodes.Status400BadRequest).ProducesProblem(StatusCodes.Status401Unauthorized)
            .ProducesProblem(StatusCodes.Status408RequestTimeout).ProducesProblem(StatusCodes.Status413PayloadTooLarge).ProducesProblem(StatusCodes.Status429TooManyRequests);
        group.MapGet("/check", CheckFromQueryAsync)
            .RequireRateLimiting(DeviceEndpoints.RateLimitPolicy)
            .WithSummary("The update check for devices that can only GET")
            .ProducesProblem(StatusCodes.Status400BadRequest).ProducesProblem(StatusCodes.Status401Unauthorized).ProducesProblem(StatusCodes.Status429TooManyRequests);
        group.MapMethods("/firmware/{sha256}", [HttpMethods.Get, HttpMethods.Head], Download)
            .WithSummary("Image bytes by SHA-256 (Range, If-Range, ETag)")
            .Produces(StatusCodes.Status200OK, contentType: "application/octet-stream")
            .Produces(StatusCodes.Status206PartialContent, contentType: "application/octet-stream")
            .ProducesProblem(StatusCodes.Status404NotFound).ProducesProblem(StatusCodes.Status400BadRequest);
        return group;
    }

    private static async Task<Results<Ok<UpdateOffer>, NoContent, ProblemHttpResult>> CheckAsync(
        HttpRequest request, IFirmwareStore firmware, IDeviceStore devices, IOptions<EspOtaServerOptions> options, ServerMetrics metrics, CancellationToken cancellationToken)
    {
        var (check, problem) = await JsonBody.ReadAsync<UpdateCheckRequest>(request, options.Value.MaxJsonBodySize, cancellationToken);
        if (problem is not null)
        {
            return problem;
        }

        return await OfferAsync(request, check!, firmware, devices, options.Value, metrics, cancellationToken);
    }

    /// <summary>The same check for devices that can only GET: <c>?device_id=…&amp;chip=…&amp;project=…&amp;version=…&amp;secure_version=…</c>.</summary>
    private static async Task<Results<Ok<UpdateOffer>, NoContent, ProblemHttpResult>> CheckFromQueryAsync(
        HttpRequest request, IFirmwareStore firmware, IDeviceStore devices, IOptions<EspOtaServerOptions> options, ServerMetrics metrics, CancellationToken cancellationToken)
    {
        var query = request.Query;
        string? Single(string name) => query[name] is { Count: 1 } values ? values[0] : null;
        var (id, chip, project, version, secure) = (Single("device_id"), Single("chip"), Single("project"), Single("version"), Single("secure_version"));
        if (id is null || chip is null || project is null || version is null
            || !uint.TryParse(secure, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out uint secureVersion))
        {
            return Problems.Malformed("the query needs device_id, chip, project, version and secure_version (an unsigned integer), once each");
        }

        var check = new UpdateCheckRequest(id, chip, project, version, secureVersion) { RunningSha256 = Single("running_sha256") };
        return await OfferAsync(request, check, firmware, devices, options.Value, metrics, cancellationToken);
    }

    private static async Task<Results<Ok<UpdateOffer>, NoContent, ProblemHttpResult>> OfferAsync(
        HttpRequest request, UpdateCheckRequest check, IFirmwareStore firmware, IDeviceStore devices, EspOtaServerOptions options, ServerMetrics metrics, CancellationToken cancellationToken)
    {
        if (!Ids.IsDeviceId(check.DeviceId))
        {
            return Problems.BadId("device id", check.DeviceId);
        }

        if (Limits.TooLong(options, ("chip", check.Chip, false), ("project", check.Project, false), ("version", check.Version, false)) is { } tooLong)
        {
            return tooLong;
        }

        var (_, denied) = await DeviceAuthentication.AuthenticateAsync(request, check.DeviceId, devices, options, cancellationToken);
        if (denied is not null)
        {
            metrics.Refused("unauthenticated");
            return denied;
        }

        // The rollouts decide (Rollouts/UpdateDecider): pins, roll-back actions, stages; the newest
        // compatible version only for projects that never had a rollout.
        var rollouts = request.HttpContext.RequestServices.GetRequiredService<RolloutService>();
        var (_, chosen, signedBy) = await rollouts.DecideAsync(check, record: true, cancellationToken);
        await devices.TouchAsync(check, chosen?.Sha256, cancellationToken);
        metrics.Check(chosen is not null);
        if (chosen is null)
        {
            return TypedResults.NoContent();
        }

        // Relative to the address the device used: correct behind a proxy that rewrites Host or ends TLS,
        // and the client refuses offers that point anywhere else — unless a CDN is configured.
        string url = options.CdnBaseUrl.Length > 0
            ? $"{options.CdnBaseUrl.TrimEnd('/')}/{ImageFiles.FileNameOf(chosen.Sha256)}"
            : FirmwareEndpoints.DownloadPath(chosen.Sha256).TrimStart('/');
        var offer = new UpdateOffer(url, chosen.Size, chosen.Sha256, chosen.Project, chosen.Version, chosen.SecureVersion, chosen.Chip)
        {
            SignedBy = signedBy,
        };
        var encryption = request.HttpContext.RequestServices.GetRequiredService<Encryption.IEncryptionStore>();
        if (await encryption.GetImageAsync(chosen.Sha256, cancellationToken) is { } encrypted)
        {
            // url, size and sha256 stay those of the served bytes (the encrypted file, its ETag);
            // image_sha256 and image_size are of the plain image the device writes to flash. No patch:
            // patches are of plain images.
            return TypedResults.Ok(offer with { Encrypted = true, ImageSha256 = encrypted.ImageSha256, ImageSize = encrypted.ImageSize });
        }

        return TypedResults.Ok(Delta.DeltaEndpoints.WithPatch(request, check, offer));
    }

    private static IResult Download(HttpContext context, ImageFiles files, ServerMetrics metrics, string sha256)
    {
        if (!Ids.TryNormalizeSha256(sha256, out var id))
        {
            return Problems.BadId("SHA-256", sha256);
        }

        // Content-addressed: a file under its hash is an accepted image (it is renamed into place
        // only after inspection, and startup reconcile adopts or removes any without a row), so no
        // database look-up; and it never changes, so it stays open between downloads.
        var image = files.TryOpen(id);
        if (image is null)
        {
            metrics.Download(StatusCodes.Status404NotFound, 0);
            return Problems.NotFound("firmware", id);
        }

        // RFC 9110 §14.2: a Range in a unit the server does not support is ignored (a plain 200).
        var headers = context.Request.Headers;
        if (headers.Range.Count > 0 && !headers.Range.ToString().TrimStart().StartsWith("bytes=", StringComparison.OrdinalIgnoreCase))
        {
            headers.Remove(HeaderNames.Range);
        }

        // The SHA-256 is a strong validator: it changes exactly when the bytes do, so If-Range may
        // resume a download with it (RFC 9110 §13.1.5).
        return new ImageFileResult(image, metrics);
    }
}
