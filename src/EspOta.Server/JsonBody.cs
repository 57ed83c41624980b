using System.Text.Json;
using System.Text.Json.Serialization;
using EspOta.Http;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace EspOta.Server;

/// <summary>
/// Reads a small JSON body with a hard size limit and turns every way it can be wrong into a 400/408/413
/// problem (the framework's own binder answers malformed JSON with an empty 400).
/// </summary>
internal static partial class JsonBody
{
    /// <summary>
    /// Strict: numbers must be JSON numbers (the Web defaults would take <c>"secure_version": "5"</c>),
    /// enums must be their names (a bare <c>6</c> is not a report kind).
    /// </summary>
    internal static readonly JsonSerializerOptions Options = new(JsonSerializerDefaults.Web)
    {
        RespectNullableAnnotations = true,
        RespectRequiredConstructorParameters = true,
        // Source-generated metadata only: a body type missing from ServerJsonContext fails here under
        // the JIT too, not only in the native AOT binary.
        TypeInfoResolver = ServerJsonContext.Default,
        NumberHandling = JsonNumberHandling.Strict,
        Converters = { new JsonStringEnumConverter<DeviceReportKind>(namingPolicy: null, allowIntegerValues: false) },
    };

    public static async Task<(T? Value, ProblemHttpResult? Problem)> ReadAsync<T>(HttpRequest request, int limit, CancellationToken cancellationToken)
        where T : class
    {
        if (request.ContentLength > limit)
        {
            return (null, Problems.TooLarge(limit));
        }

        if (request.HttpContext.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } sizeFeature)
        {
            sizeFeature.MaxRequestBodySize = limit + 1L;
        }

        var options = request.HttpContext.RequestServices.GetRequiredService<IOptions<EspOtaServerOptions>>().Value;

        // In long: limit + 1 overflows int when the option is int.MaxValue; the buffer cannot exceed Array.MaxLength anyway.
        long capacity = Math.Min((long)limit + 1, Array.MaxLength);
        var buffer = new byte[Math.Min(capacity, request.ContentLength + 1 ?? 4096)];
        int length = 0;
        using var reader = new RequestBodyReader(request, options.RequestBodyIdleTimeout, cancellationToken);
        try
        {
            while (true)
            {
                if (length == buffer.Length)
                {
                    if (buffer.Length > limit || buffer.Length >= capacity)
                    {
                        return (null, Problems.TooLarge(limit));
                    }

                    Array.Resize(ref buffer, (int)Math.Min(buffer.Length * 2L, capacity));
                }

                int n = await reader.ReadAsync(buffer.AsMemory(length)).ConfigureAwait(false);
                if (n == 0)
                {
                    break;
                }

                length += n;
            }
        }
        catch (BadHttpRequestException e) when (e.StatusCode == StatusCodes.Status413PayloadTooLarge)
        {
            return (null, Problems.TooLarge(limit));
        }
        catch (ClientBodyException e)
        {
            return (null, Problems.ClientBody(request.HttpContext, e));
        }

        if (length > limit)
        {
            return (null, Problems.TooLarge(limit));
        }

        string what = WireName<T>();
        if (length == 0)
        {
            return (null, Problems.Of(StatusCodes.Status400BadRequest, ProblemTypes.EmptyBody, "Empty body", $"a JSON {what} was expected"));
        }

        try
        {
            var value = JsonSerializer.Deserialize(buffer.AsSpan(0, length), (System.Text.Json.Serialization.Metadata.JsonTypeInfo<T>)Options.GetTypeInfo(typeof(T)));
            return value is null
                ? (null, Problems.Malformed($"a JSON {what} was expected, got null"))
                : (value, null);
        }
        catch (JsonException e)
        {
            // Our own words: System.Text.Json's messages name .NET types (EspOta.Http.DeviceReportKind, System.UInt32).
            return (null, Problems.Malformed($"invalid JSON for {what} at {e.Path ?? "$"} (line {e.LineNumber + 1}, byte {e.BytePositionInLine + 1}){MissingProperties(e.Message)}"));
        }
    }

    /// <summary>The body's name in the API's terms rather than the .NET type's.</summary>
    private static string WireName<T>() => typeof(T).Name switch
    {
        nameof(UpdateCheckRequest) => "update check",
        nameof(DeviceReport) => "device report",
        var other => other,
    };

    /// <summary>The JSON names (snake_case, never type names) of missing required properties, when that was the error.</summary>
    private static string MissingProperties(string message)
    {
        int at = message.IndexOf("missing required properties", StringComparison.Ordinal);
        if (at < 0)
        {
            return message.Contains("null", StringComparison.Ordinal) && message.Contains("non-nullable", StringComparison.Ordinal)
                ? ": null where a value is required"
                : ": a value has the wrong type or is out of range";
        }

        var names = QuotedName().Matches(message[at..]).Select(m => m.Groups[1].Value).Where(n => n.All(c => char.IsAsciiLetterLower(c) || c == '_' || char.IsAsciiDigit(c)));
        return $": missing {string.Join(", ", names)}";
    }

    [System.Text.RegularExpressions.GeneratedRegex("'([^']+)'")]
    private static partial System.Text.RegularExpressions.Regex QuotedName();
}
