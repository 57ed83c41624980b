using EspOta.Http;
using EspOta.Server.Rollouts;
using EspOta.Server.Security;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace EspOta.Server.Devices;

/// <summary>Device reports (no key) and the admin view of devices (API key).</summary>
public static class DeviceEndpoints
{
    /// <summary>Maps <c>POST /api/devices/{id}/reports</c>, <c>GET /api/devices</c> and <c>GET /api/devices/{id}</c>.</summary>
    public static RouteGroupBuilder MapDevices(this IEndpointRouteBuilder endpoints)
    {
        var group = endpoints.MapGroup("/api/devices").WithTags("Devices");
        group.MapPost("/{id}/reports", ReportAsync).Accepts<DeviceReport>("application/json").DisableAntiforgery();
        var admin = group.MapGroup("").AddEndpointFilter<ApiKeyEndpointFilter>();
        admin.MapGet("/", List);
        admin.MapGet("/{id}", Get);
        return group;
    }

    private static async Task<Results<Accepted, ProblemHttpResult>> ReportAsync(
        string id, HttpRequest request, IDeviceStore devices, IOptions<EspOtaServerOptions> options, CancellationToken cancellationToken)
    {
        if (!Ids.IsDeviceId(id))
        {
            return Problems.BadId("device id", id);
        }

        var (report, problem) = await JsonBody.ReadAsync<DeviceReport>(request, options.Value.MaxJsonBodySize, cancellationToken);
        if (problem is not null)
        {
            return problem;
        }

        if (!Enum.IsDefined(report!.Kind))
        {
            return Problems.Malformed($"unknown report kind {(int)report.Kind}");
        }

        if (report.Sha256 is { } sha)
        {
            if (!Ids.TryNormalizeSha256(sha, out var normalized))
            {
                return Problems.BadId("SHA-256", sha);
            }

            // Stored lowercase like the firmware table's keys, so a rollback reported in capitals still blocks that image.
            report = report with { Sha256 = normalized };
        }

        await devices.AddReportAsync(id, report, cancellationToken);
        await request.HttpContext.RequestServices.GetRequiredService<RolloutService>().ObserveAsync(id, report, cancellationToken);
        return TypedResults.Accepted((string?)null);
    }

    private static async Task<Ok<DeviceSummary[]>> List(IDeviceStore devices, CancellationToken cancellationToken) =>
        TypedResults.Ok((await devices.ListAsync(null, int.MaxValue, cancellationToken)).ToArray());

    private static async Task<Results<Ok<DeviceDetails>, ProblemHttpResult>> Get(string id, IDeviceStore devices, IOptions<EspOtaServerOptions> options, CancellationToken cancellationToken)
    {
        if (!Ids.IsDeviceId(id))
        {
            return Problems.BadId("device id", id);
        }

        return await devices.GetAsync(id, options.Value.MaxHistory, cancellationToken) is { } details
            ? TypedResults.Ok(details)
            : Problems.NotFound("device", id);
    }
}
