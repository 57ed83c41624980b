using System.Globalization;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.WebUtilities;

namespace EspOta.Server;

/// <summary>
/// Keyset paging of list endpoints: <c>?limit=N&amp;after=CURSOR</c>; the response is the page (a JSON
/// array) and, when more may follow, a <c>Link: &lt;…&gt;; rel="next"</c> header (RFC 8288) with the next cursor.
/// </summary>
internal static class Paging
{
    public static bool TryRead(HttpRequest request, EspOtaServerOptions options, out int limit, out string? after, out ProblemHttpResult? problem)
    {
        limit = options.DefaultPageSize;
        after = request.Query["after"] is { Count: 1 } a && a[0] is { Length: > 0 } cursor ? cursor : null;
        problem = null;
        if (request.Query["limit"] is { Count: > 0 } values)
        {
            if (values.Count != 1 || !int.TryParse(values[0], NumberStyles.None, CultureInfo.InvariantCulture, out limit) || limit < 1 || limit > options.MaxPageSize)
            {
                problem = Problems.Of(StatusCodes.Status400BadRequest, ProblemTypes.BadPage, "Bad page", $"limit must be an integer from 1 to {options.MaxPageSize}");
                return false;
            }
        }

        return true;
    }

    /// <summary>Adds the next-page link when the page is full.</summary>
    public static void LinkNext(HttpResponse response, int count, int limit, string? lastCursor)
    {
        if (count < limit || lastCursor is null)
        {
            return;
        }

        var request = response.HttpContext.Request;
        var query = request.Query
            .Where(q => q.Key is not "after" and not "limit")
            .SelectMany(q => q.Value.Select(v => new KeyValuePair<string, string?>(q.Key, v)))
            .Append(new("limit", limit.ToString(CultureInfo.InvariantCulture)))
            .Append(new("after", lastCursor));
        string next = QueryHelpers.AddQueryString($"{request.PathBase}{request.Path}", query);
        response.Headers.Append("Link", $"<{next}>; rel=\"next\"");
    }
}
