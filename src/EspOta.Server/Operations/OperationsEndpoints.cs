using EspOta.Server.Storage;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Routing;

namespace EspOta.Server.Operations;

/// <summary><c>/healthz</c> (live), <c>/readyz</c> (database reachable) and <c>/metrics</c> (Prometheus text).</summary>
public static class OperationsEndpoints
{
    /// <summary>The Prometheus text exposition content type.</summary>
    public const string PrometheusContentType = "text/plain; version=0.0.4; charset=utf-8";

    /// <summary>Maps the operator endpoints (no key: they say nothing about devices or firmware).</summary>
    public static IEndpointRouteBuilder MapOperations(this IEndpointRouteBuilder endpoints)
    {
        // Listening starts now, not at the first scrape, so nothing measured before it is lost.
        GC.KeepAlive(endpoints.ServiceProvider.GetService(typeof(PrometheusExporter)));
        var group = endpoints.MapGroup("").WithTags("Operations");
        group.MapGet("/healthz", () => TypedResults.Text("ok")).WithSummary("Liveness: the process answers");
        group.MapGet("/readyz", ReadyAsync).WithSummary("Readiness: the database answers (503 when not)")
            .Produces<string>(StatusCodes.Status200OK, "text/plain").Produces<string>(StatusCodes.Status503ServiceUnavailable, "text/plain");
        group.MapGet("/metrics", (HttpContext context) => Metrics(context)).WithSummary("Metrics in Prometheus text format")
            .Produces<string>(StatusCodes.Status200OK, "text/plain");
        return endpoints;
    }

    private static async Task<IResult> ReadyAsync(HttpContext context, CancellationToken cancellationToken)
    {
        var database = context.RequestServices.GetService(typeof(OtaDatabase)) as OtaDatabase;
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(TimeSpan.FromSeconds(5));
        bool ready = database is not null && await database.PingAsync(timeout.Token);
        return ready
            ? TypedResults.Text("ready")
            : TypedResults.Text("database unreachable", statusCode: StatusCodes.Status503ServiceUnavailable);
    }

    private static ContentHttpResult Metrics(HttpContext context)
    {
        var exporter = (PrometheusExporter)context.RequestServices.GetService(typeof(PrometheusExporter))!;
        return TypedResults.Text(exporter.Scrape(), PrometheusContentType);
    }
}
