using EspOta.Http;
using EspOta.Server.Devices;
using EspOta.Server.Firmware;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.Options;
using Microsoft.Net.Http.Headers;

namespace EspOta.Server.Updates;

/// <summary>What devices call, without an API key: the update check and the image download.</summary>
public static class UpdateEndpoints
{
    /// <summary>Maps <c>POST /api/updates/check</c> and <c>GET|HEAD /api/updates/firmware/{sha256}</c>.</summary>
    public static RouteGroupBuilder MapUpdates(this IEndpointRouteBuilder endpoints)
    {
        var group = endpoints.MapGroup("/api/updates").WithTags("Updates");
        group.MapPost("/check", CheckAsync).Accepts<UpdateCheckRequest>("application/json").DisableAntiforgery();
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

        if (!Ids.IsDeviceId(check!.DeviceId))
        {
            return Problems.BadId("device id", check.DeviceId);
        }

        await devices.TouchAsync(check, cancellationToken);
        var chosen = UpdatePolicy.Choose(check, firmware.List(check.Project, check.Chip), devices.RejectedFirmware(check.DeviceId));
        if (chosen is null)
        {
            return TypedResults.NoContent();
        }

        return TypedResults.Ok(new UpdateOffer(
            FirmwareEndpoints.DownloadUrl(request, chosen.Sha256), chosen.Size, chosen.Sha256, chosen.Project, chosen.Version, chosen.SecureVersion, chosen.Chip));
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
