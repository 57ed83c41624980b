using EspOta.Http;
using EspOta.Server.Devices;
using EspOta.Server.Firmware;
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
        group.MapPost("/check", CheckAsync).Accepts<UpdateCheckRequest>("application/json").DisableAntiforgery();
        group.MapGet("/check", CheckFromQueryAsync);
        group.MapMethods("/firmware/{sha256}", [HttpMethods.Get, HttpMethods.Head], Download);
        return group;
    }

    private static async Task<Results<Ok<UpdateOffer>, NoContent, ProblemHttpResult>> CheckAsync(
        HttpRequest request, FirmwareStore firmware, DeviceStore devices, IOptions<EspOtaServerOptions> options, CancellationToken cancellationToken)
    {
        var (check, problem) = await JsonBody.ReadAsync<UpdateCheckRequest>(request, options.Value.MaxJsonBodySize, cancellationToken);
        if (problem is not null)
        {
            return problem;
        }

        return await OfferAsync(request, check!, firmware, devices, cancellationToken);
    }

    /// <summary>The same check for devices that can only GET: <c>?device_id=…&amp;chip=…&amp;project=…&amp;version=…&amp;secure_version=…</c>.</summary>
    private static async Task<Results<Ok<UpdateOffer>, NoContent, ProblemHttpResult>> CheckFromQueryAsync(
        HttpRequest request, FirmwareStore firmware, DeviceStore devices, CancellationToken cancellationToken)
    {
        var query = request.Query;
        string? Single(string name) => query[name] is { Count: 1 } values ? values[0] : null;
        var (id, chip, project, version, secure) = (Single("device_id"), Single("chip"), Single("project"), Single("version"), Single("secure_version"));
        if (id is null || chip is null || project is null || version is null
            || !uint.TryParse(secure, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out uint secureVersion))
        {
            return Problems.Malformed("the query needs device_id, chip, project, version and secure_version (an unsigned integer), once each");
        }

        return await OfferAsync(request, new UpdateCheckRequest(id, chip, project, version, secureVersion), firmware, devices, cancellationToken);
    }

    private static async Task<Results<Ok<UpdateOffer>, NoContent, ProblemHttpResult>> OfferAsync(
        HttpRequest request, UpdateCheckRequest check, FirmwareStore firmware, DeviceStore devices, CancellationToken cancellationToken)
    {
        if (!Ids.IsDeviceId(check.DeviceId))
        {
            return Problems.BadId("device id", check.DeviceId);
        }

        await devices.TouchAsync(check, cancellationToken);
        var signing = request.HttpContext.RequestServices.GetRequiredService<Signing.SigningPolicy>();
        var offerable = firmware.List(check.Project, check.Chip).Where(signing.IsOfferable).ToList();
        var chosen = UpdatePolicy.Choose(check, offerable, devices.RejectedFirmware(check.DeviceId));
        if (chosen is null)
        {
            return TypedResults.NoContent();
        }

        // Relative to the address the device used: correct behind a proxy that rewrites Host or ends TLS,
        // and the client refuses offers that point anywhere else.
        return TypedResults.Ok(new UpdateOffer(
            FirmwareEndpoints.DownloadPath(chosen.Sha256).TrimStart('/'), chosen.Size, chosen.Sha256, chosen.Project, chosen.Version, chosen.SecureVersion, chosen.Chip)
        {
            SignedBy = signing.SignersOf(chosen) is { Count: > 0 } signers ? signers : null,
        });
    }

    private static Results<PhysicalFileHttpResult, ProblemHttpResult> Download(FirmwareStore firmware, string sha256)
    {
        if (!Ids.TryNormalizeSha256(sha256, out var id))
        {
            return Problems.BadId("SHA-256", sha256);
        }

        var path = firmware.PathOf(id);
        if (firmware.Get(id) is not { } record || !File.Exists(path))
        {
            return Problems.NotFound("firmware", id);
        }

        // The SHA-256 is a strong validator: it changes exactly when the bytes do, so If-Range may
        // resume a download with it (RFC 9110 §13.1.5).
        return TypedResults.PhysicalFile(
            path,
            "application/octet-stream",
            fileDownloadName: null,
            lastModified: record.UploadedAt,
            entityTag: new EntityTagHeaderValue($"\"{id}\""),
            enableRangeProcessing: true);
    }
}
