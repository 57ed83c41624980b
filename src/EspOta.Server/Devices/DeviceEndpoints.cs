using EspOta.Http;
using EspOta.Server.Rollouts;
using EspOta.Server.Operations;
using EspOta.Server.Security;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace EspOta.Server.Devices;

/// <summary>Device reports (no key, or the device's enrolment token) and the admin view of devices (API key).</summary>
public static class DeviceEndpoints
{
    /// <summary>The rate-limiting policy of the device-facing endpoints.</summary>
    internal const string RateLimitPolicy = "devices";

    /// <summary>Maps <c>POST /api/devices/{id}/reports</c>, <c>GET /api/devices</c>, <c>GET /api/devices/{id}</c> and <c>POST /api/devices/{id}/enrollment</c>.</summary>
    public static RouteGroupBuilder MapDevices(this IEndpointRouteBuilder endpoints)
    {
        var group = endpoints.MapGroup("/api/devices").WithTags("Devices");
        group.MapPost("/{id}/reports", ReportAsync).Accepts<DeviceReport>("application/json").DisableAntiforgery()
            .RequireRateLimiting(RateLimitPolicy)
            .WithSummary("A device reports a step of its OTA cycle")
            .ProducesProblem(StatusCodes.Status400BadRequest).ProducesProblem(StatusCodes.Status401Unauthorized)
            .ProducesProblem(StatusCodes.Status408RequestTimeout).ProducesProblem(StatusCodes.Status413PayloadTooLarge).ProducesProblem(StatusCodes.Status429TooManyRequests);
        var admin = group.MapGroup("").AddEndpointFilter<ApiKeyEndpointFilter>();
        admin.MapGet("/", ListAsync).WithSummary("Devices by id, one page (limit, after; Link rel=next)")
            .ProducesProblem(StatusCodes.Status400BadRequest).ProducesProblem(StatusCodes.Status401Unauthorized);
        admin.MapGet("/{id}", GetAsync).WithSummary("A device and its newest history")
            .ProducesProblem(StatusCodes.Status404NotFound).ProducesProblem(StatusCodes.Status401Unauthorized);
        admin.MapPost("/{id}/enrollment", EnrollAsync).DisableAntiforgery().WithSummary("Issues (or replaces) the device's enrolment token")
            .ProducesProblem(StatusCodes.Status400BadRequest).ProducesProblem(StatusCodes.Status401Unauthorized);
        return group;
    }

    private static async Task<Results<Accepted, ProblemHttpResult>> ReportAsync(
        string id, HttpRequest request, IDeviceStore devices, IOptions<EspOtaServerOptions> options, ServerMetrics metrics, ILogger<DeviceReport> logger, CancellationToken cancellationToken)
    {
        if (!Ids.IsDeviceId(id))
        {
            return Problems.BadId("device id", id);
        }

        var settings = options.Value;
        var (fromDevice, denied) = await DeviceAuthentication.AuthenticateAsync(request, id, devices, settings, cancellationToken);
        if (denied is not null)
        {
            return denied;
        }

        var (report, problem) = await JsonBody.ReadAsync<DeviceReport>(request, settings.MaxJsonBodySize, cancellationToken);
        if (problem is not null)
        {
            return problem;
        }

        if (!Enum.IsDefined(report!.Kind))
        {
            return Problems.Malformed($"unknown report kind {(int)report.Kind}");
        }

        if (Limits.TooLong(settings, ("version", report.Version, false), ("project", report.Project, false), ("chip", report.Chip, false),
                ("running_version", report.RunningVersion, false), ("reason", report.Reason, true)) is { } tooLong)
        {
            return tooLong;
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

        bool blocks = await devices.AddReportAsync(id, report, fromDevice, cancellationToken);
        metrics.Report(report.Kind);
        if (report.Kind == DeviceReportKind.RolledBack && !blocks)
        {
            logger.LogInformation("Rollback report from {DeviceId} for {Sha256} kept in history but not counted: no token and no offer of that image", id, report.Sha256);
        }

        await request.HttpContext.RequestServices.GetRequiredService<RolloutService>().ObserveAsync(id, report, cancellationToken);
        return TypedResults.Accepted((string?)null);
    }

    private static async Task<Results<Ok<DeviceSummary[]>, ProblemHttpResult>> ListAsync(HttpContext context, IDeviceStore devices, IOptions<EspOtaServerOptions> options, CancellationToken cancellationToken)
    {
        if (!Paging.TryRead(context.Request, options.Value, out int limit, out string? after, out var problem))
        {
            return problem!;
        }

        var page = await devices.ListAsync(after, limit, cancellationToken);
        Paging.LinkNext(context.Response, page.Count, limit, page.Count > 0 ? page[^1].Id : null);
        return TypedResults.Ok(page.ToArray());
    }

    private static async Task<Results<Ok<DeviceDetails>, ProblemHttpResult>> GetAsync(string id, IDeviceStore devices, IOptions<EspOtaServerOptions> options, CancellationToken cancellationToken)
    {
        if (!Ids.IsDeviceId(id))
        {
            return Problems.BadId("device id", id);
        }

        return await devices.GetAsync(id, options.Value.MaxHistory, cancellationToken) is { } details
            ? TypedResults.Ok(details)
            : Problems.NotFound("device", id);
    }

    private static async Task<Results<Created<DeviceEnrollment>, ProblemHttpResult>> EnrollAsync(string id, IDeviceStore devices, ILogger<DeviceEnrollment> logger, CancellationToken cancellationToken)
    {
        if (!Ids.IsDeviceId(id))
        {
            return Problems.BadId("device id", id);
        }

        string token = DeviceAuthentication.NewToken();
        await devices.SetTokenAsync(id, DeviceAuthentication.HashOf(token), cancellationToken);
        logger.LogInformation("Enrolment token issued for device {DeviceId}", id);
        return TypedResults.Created($"/api/devices/{id}", new DeviceEnrollment(id, token, DeviceAuthentication.HeaderName));
    }
}
