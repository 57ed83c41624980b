using EspOta.Server.Encryption;
using EspOta.Server.Operations;
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
        group.MapPost("/", UploadAsync).Accepts<Stream>("application/octet-stream").DisableAntiforgery()
            .WithSummary("Uploads an app image (201; 409 when already present, 422 when not a valid app image)")
            .ProducesProblem(StatusCodes.Status400BadRequest).ProducesProblem(StatusCodes.Status401Unauthorized).ProducesProblem(StatusCodes.Status408RequestTimeout)
            .ProducesProblem(StatusCodes.Status409Conflict).ProducesProblem(StatusCodes.Status413PayloadTooLarge).ProducesProblem(StatusCodes.Status422UnprocessableEntity);
        group.MapGet("/", List).WithSummary("Firmware in upload order, one page (project, chip, limit, after; Link rel=next)")
            .ProducesProblem(StatusCodes.Status400BadRequest).ProducesProblem(StatusCodes.Status401Unauthorized);
        group.MapGet("/{sha256}", Get).WithSummary("One firmware's metadata")
            .ProducesProblem(StatusCodes.Status400BadRequest).ProducesProblem(StatusCodes.Status401Unauthorized).ProducesProblem(StatusCodes.Status404NotFound);
        return group;
    }

    /// <summary>Where a device downloads an image.</summary>
    internal static string DownloadPath(string sha256) => $"/api/updates/firmware/{sha256}";

    internal static string DownloadUrl(HttpRequest request, string sha256) =>
        $"{request.Scheme}://{request.Host}{request.PathBase}{DownloadPath(sha256)}";

    private static async Task<Results<Created<FirmwareInfo>, ProblemHttpResult>> UploadAsync(
        HttpContext context, FirmwareService service, IEncryptionStore encryption, IOptions<EspOtaServerOptions> options, ServerMetrics metrics, CancellationToken cancellationToken)
    {
        if (context.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } sizeFeature)
        {
            sizeFeature.MaxRequestBodySize = options.Value.MaxImageSize + 1;
        }

        (FirmwareRecord? record, ProblemHttpResult? problem) result;
        try
        {
            result = await service.AddAsync(context.Request, cancellationToken);
        }
        catch (ClientBodyException e)
        {
            metrics.Upload("incomplete");
            return Problems.ClientBody(context, e);
        }

        var (record, problem) = result;
        if (problem is not null)
        {
            metrics.Upload(problem.StatusCode == StatusCodes.Status409Conflict ? "duplicate" : "refused");
            return problem;
        }

        metrics.Upload("created");
        if (await encryption.GetImageAsync(record!.Sha256, CancellationToken.None) is null)
        {
            // Patches are made from plain images; an encrypted project's server has none.
            Delta.DeltaServiceCollectionExtensions.QueuePatches(context.RequestServices, record);
        }

        var info = await InfoAsync(record!, context.Request, encryption, CancellationToken.None);
        return TypedResults.Created($"{context.Request.PathBase}/api/firmware/{record.Sha256}", info);
    }

    private static async Task<Results<Ok<FirmwareInfo[]>, ProblemHttpResult>> List(
        HttpContext context, IFirmwareStore store, IEncryptionStore encryption, IOptions<EspOtaServerOptions> options, string? project, string? chip, CancellationToken cancellationToken)
    {
        long? afterSequence = null;
        if (!Paging.TryRead(context.Request, options.Value, out int limit, out string? after, out var problem))
        {
            return problem!;
        }

        if (after is not null)
        {
            if (!long.TryParse(after, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out long seq))
            {
                return Problems.Of(StatusCodes.Status400BadRequest, ProblemTypes.BadPage, "Bad page", "after must be the cursor of a Link rel=next");
            }

            afterSequence = seq;
        }

        var page = await store.ListAsync(project, chip, afterSequence, limit, cancellationToken);
        Paging.LinkNext(context.Response, page.Count, limit, page.Count > 0 ? page[^1].Sequence.ToString(System.Globalization.CultureInfo.InvariantCulture) : null);
        var infos = new FirmwareInfo[page.Count];
        for (int i = 0; i < infos.Length; i++)
        {
            infos[i] = await InfoAsync(page[i], context.Request, encryption, cancellationToken);
        }

        return TypedResults.Ok(infos);
    }

    private static async Task<Results<Ok<FirmwareInfo>, ProblemHttpResult>> Get(HttpRequest request, IFirmwareStore store, IEncryptionStore encryption, string sha256, CancellationToken cancellationToken)
    {
        if (!Ids.TryNormalizeSha256(sha256, out var id))
        {
            return Problems.BadId("SHA-256", sha256);
        }

        return await store.GetAsync(id, cancellationToken) is { } record
            ? TypedResults.Ok(await InfoAsync(record, request, encryption, cancellationToken))
            : Problems.NotFound("firmware", id);
    }

    private static async Task<FirmwareInfo> InfoAsync(FirmwareRecord record, HttpRequest request, IEncryptionStore encryption, CancellationToken cancellationToken) =>
        record.ToInfo(DownloadUrl(request, record.Sha256)) with
        {
            Encryption = await encryption.GetImageAsync(record.Sha256, cancellationToken) is { } e
                ? new FirmwareEncryption(e.Scheme, e.KeyFingerprint, e.ImageSha256, e.ImageSize)
                : null,
        };
}
