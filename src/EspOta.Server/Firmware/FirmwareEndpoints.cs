using EspOta.Server.Security;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.Options;

namespace EspOta.Server.Firmware;

/// <summary>The firmware repository API: upload (API key), list and get.</summary>
public static class FirmwareEndpoints
{
    /// <summary>Maps <c>/api/firmware</c>; every endpoint needs the API key.</summary>
    public static RouteGroupBuilder MapFirmware(this IEndpointRouteBuilder endpoints)
    {
        var group = endpoints.MapGroup("/api/firmware").WithTags("Firmware").AddEndpointFilter<ApiKeyEndpointFilter>();
        group.MapPost("/", UploadAsync).Accepts<Stream>("application/octet-stream").DisableAntiforgery();
        group.MapGet("/", List);
        group.MapGet("/{sha256}", Get);
        return group;
    }

    /// <summary>Where a device downloads an image.</summary>
    internal static string DownloadPath(string sha256) => $"/api/updates/firmware/{sha256}";

    internal static string DownloadUrl(HttpRequest request, string sha256) =>
        $"{request.Scheme}://{request.Host}{request.PathBase}{DownloadPath(sha256)}";

    private static async Task<Results<Created<FirmwareInfo>, ProblemHttpResult>> UploadAsync(
        HttpContext context, FirmwareService service, IOptions<EspOtaServerOptions> options, CancellationToken cancellationToken)
    {
        if (context.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } sizeFeature)
        {
            sizeFeature.MaxRequestBodySize = options.Value.MaxImageSize + 1;
        }

        var (record, problem) = await service.AddAsync(context.Request.Body, context.Request.ContentLength, cancellationToken);
        if (problem is not null)
        {
            return problem;
        }

        Delta.DeltaServiceCollectionExtensions.QueuePatches(context.RequestServices, record!);
        var info = record!.ToInfo(DownloadUrl(context.Request, record.Sha256));
        return TypedResults.Created($"{context.Request.PathBase}/api/firmware/{record.Sha256}", info);
    }

    private static Ok<FirmwareInfo[]> List(HttpRequest request, FirmwareStore store, string? project, string? chip) =>
        TypedResults.Ok(store.List(project, chip).Select(r => r.ToInfo(DownloadUrl(request, r.Sha256))).ToArray());

    private static Results<Ok<FirmwareInfo>, ProblemHttpResult> Get(HttpRequest request, FirmwareStore store, string sha256)
    {
        if (!Ids.TryNormalizeSha256(sha256, out var id))
        {
            return Problems.BadId("SHA-256", sha256);
        }

        return store.Get(id) is { } record
            ? TypedResults.Ok(record.ToInfo(DownloadUrl(request, id)))
            : Problems.NotFound("firmware", id);
    }
}
