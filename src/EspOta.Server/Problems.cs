using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;

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

    private static string Truncate(string value) => value.Length <= 80 ? value : value[..80] + "…";
}
