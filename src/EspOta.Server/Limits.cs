using Microsoft.AspNetCore.Http.HttpResults;

namespace EspOta.Server;

/// <summary>Bounds on every string the server stores (issue 16): longer is refused, never truncated.</summary>
internal static class Limits
{
    /// <summary>The first field longer than its bound (<see cref="EspOtaServerOptions.MaxReasonLength"/> for reasons, else <see cref="EspOtaServerOptions.MaxNameLength"/>), as a 400.</summary>
    public static ProblemHttpResult? TooLong(EspOtaServerOptions options, params ReadOnlySpan<(string Field, string? Value, bool IsReason)> fields)
    {
        foreach (var (field, value, isReason) in fields)
        {
            int limit = isReason ? options.MaxReasonLength : options.MaxNameLength;
            if (value is not null && value.Length > limit)
            {
                return Problems.TooLong(field, limit);
            }
        }

        return null;
    }
}
