using EspOta.Http;
using EspOta.Server.Security;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Microsoft.Net.Http.Headers;

namespace EspOta.Server.Delta;

/// <summary>
/// Delta OTA: <c>GET /api/delta/patches</c> and <c>GET /api/delta/jobs</c> (API key) show which patches
/// exist, their sizes and the background progress; <c>GET|HEAD /api/updates/patch/{sha256}</c> is the
/// device download, with the same Range/ETag rules as images.
/// </summary>
public static class DeltaEndpoints
{
    /// <summary>Maps the delta endpoints.</summary>
    public static IEndpointRouteBuilder MapDelta(this IEndpointRouteBuilder endpoints)
    {
        var admin = endpoints.MapGroup("/api/delta").WithTags("Delta").AddEndpointFilter<ApiKeyEndpointFilter>();
        admin.MapGet("/patches", List);
        admin.MapGet("/jobs", Jobs);
        endpoints.MapGroup("/api/updates").WithTags("Updates")
            .MapMethods("/patch/{sha256}", [HttpMethods.Get, HttpMethods.Head], Download);
        return endpoints;
    }

    /// <summary>Where a device downloads a patch.</summary>
    internal static string DownloadPath(string patchSha256) => $"/api/updates/patch/{patchSha256}";

    /// <summary>
    /// The patch to put in an offer: one from the device's running image (<see cref="UpdateCheckRequest.RunningSha256"/>)
    /// to the offered image, smaller than <see cref="DeltaPatchOptions.MaxFraction"/> of it; else the offer unchanged.
    /// </summary>
    internal static UpdateOffer WithPatch(HttpRequest request, UpdateCheckRequest check, UpdateOffer offer)
    {
        var store = request.HttpContext.RequestServices.GetService<DeltaPatchStore>();
        var options = request.HttpContext.RequestServices.GetService<IOptions<DeltaPatchOptions>>()?.Value;
        if (store is null || options is null || !options.Enabled || check.RunningSha256 is not { } running
            || !Ids.TryNormalizeSha256(running, out var runningId)
            || store.FindByRunning(runningId, offer.Sha256) is not { } patch
            || patch.Size >= options.MaxFraction * offer.Size)
        {
            return offer;
        }

        return offer with { Patch = new DeltaOffer(DownloadPath(patch.PatchSha256).TrimStart('/'), patch.Size, patch.PatchSha256, runningId) };
    }

    private static Ok<DeltaPatchSummary[]> List(HttpRequest request, DeltaPatchStore store, string? target, string? @base) =>
        TypedResults.Ok(store.List(target, @base).Select(r => new DeltaPatchSummary(
            r.PatchSha256,
            r.BaseSha256,
            r.BaseValidationSha256,
            r.TargetSha256,
            r.Size,
            r.TargetSize,
            r.TargetSize > 0 ? Math.Round((double)r.Size / r.TargetSize, 4) : 0,
            r.CreatedAt,
            $"{request.Scheme}://{request.Host}{request.PathBase}{DownloadPath(r.PatchSha256)}")).ToArray());

    private static Ok<DeltaJobStatus[]> Jobs(DeltaPatchService service) => TypedResults.Ok(service.Jobs.ToArray());

    private static Results<PhysicalFileHttpResult, ProblemHttpResult> Download(DeltaPatchStore store, string sha256)
    {
        if (!Ids.TryNormalizeSha256(sha256, out var id))
        {
            return Problems.BadId("SHA-256", sha256);
        }

        var path = store.PathOf(id);
        if (store.Get(id) is not { } record || !File.Exists(path))
        {
            return Problems.NotFound("patch", id);
        }

        // As for images: the content hash is a strong validator, so If-Range may resume with it.
        return TypedResults.PhysicalFile(
            path,
            "application/octet-stream",
            fileDownloadName: null,
            lastModified: record.CreatedAt,
            entityTag: new EntityTagHeaderValue($"\"{id}\""),
            enableRangeProcessing: true);
    }
}
