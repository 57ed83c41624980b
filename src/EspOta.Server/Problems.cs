using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace EspOta.Server;

/// <summary>ProblemDetails responses with the server's problem types.</summary>
internal static class Problems
{
    public static ProblemHttpResult Of(int status, string type, string title, string detail) =>
        TypedResults.Problem(detail: detail, statusCode: status, title: title, type: type);

    public static ProblemHttpResult BadId(string what, string value) =>
        Of(StatusCodes.Status400BadRequest, ProblemTypes.BadId, $"Bad {what}", $"'{Truncate(value)}' is not a valid {what}");

    public static ProblemHttpResult NotFound(string what, string id) =>
        Of(StatusCodes.Status404NotFound, ProblemTypes.NotFound, $"Unknown {what}", $"no {what} '{id}'");

    public static ProblemHttpResult TooLarge(long limit) =>
        Of(StatusCodes.Status413PayloadTooLarge, ProblemTypes.TooLarge, "Request body too large", $"the body exceeds the limit of {limit} bytes");

    public static ProblemHttpResult Malformed(string detail) =>
        Of(StatusCodes.Status400BadRequest, ProblemTypes.MalformedRequest, "Malformed request", detail);

    public static ProblemHttpResult TooLong(string field, int limit) =>
        Of(StatusCodes.Status400BadRequest, ProblemTypes.TooLong, "Value too long", $"{field} is longer than {limit} characters");

    /// <summary>A client that stalled or cut its body short: logged at Information, never as a server error.</summary>
    public static ProblemHttpResult ClientBody(HttpContext context, ClientBodyException e)
    {
        context.RequestServices.GetRequiredService<ILoggerFactory>().CreateLogger("EspOta.Server.RequestBody")
            .LogInformation("Request body of {Method} {Path} from {Remote} refused: {Reason}", context.Request.Method, context.Request.Path.Value, context.Connection.RemoteIpAddress, e.Message);

        // The rest of the body will not be read: close the connection after answering rather than
        // let the server try to drain a body whose read was abandoned.
        context.Response.Headers.Connection = "close";
        return Of(e.StatusCode, e.StatusCode == StatusCodes.Status408RequestTimeout ? ProblemTypes.RequestTimeout : ProblemTypes.IncompleteBody,
            e.StatusCode == StatusCodes.Status408RequestTimeout ? "Request body timed out" : "Incomplete request body", e.Message);
    }

    private static string Truncate(string value) => value.Length <= 80 ? value : value[..80] + "…";
}
