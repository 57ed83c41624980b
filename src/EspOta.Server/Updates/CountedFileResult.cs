using EspOta.Server.Operations;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;

namespace EspOta.Server.Updates;

/// <summary>Sends an image file and counts the download and its bytes (what the response declared).</summary>
internal sealed class CountedFileResult(PhysicalFileHttpResult file, ServerMetrics metrics) : IResult
{
    public async Task ExecuteAsync(HttpContext httpContext)
    {
        await file.ExecuteAsync(httpContext).ConfigureAwait(false);
        var response = httpContext.Response;
        bool head = HttpMethods.IsHead(httpContext.Request.Method);
        metrics.Download(response.StatusCode, head ? 0 : response.ContentLength ?? 0);
    }
}
