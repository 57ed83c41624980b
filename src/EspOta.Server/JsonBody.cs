using System.Text.Json;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Http.HttpResults;

namespace EspOta.Server;

/// <summary>
/// Reads a small JSON body with a hard size limit and turns every way it can be wrong into a 400/413
/// problem (the framework's own binder answers malformed JSON with an empty 400).
/// </summary>
internal static class JsonBody
{
    private static readonly JsonSerializerOptions Options = new(JsonSerializerDefaults.Web)
    {
        RespectNullableAnnotations = true,
        RespectRequiredConstructorParameters = true,
        TypeInfoResolver = ServerJsonContext.Default,
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

        // In long: limit + 1 overflows int when the option is int.MaxValue; the buffer cannot exceed Array.MaxLength anyway.
        long capacity = Math.Min((long)limit + 1, Array.MaxLength);
        var buffer = new byte[Math.Min(capacity, request.ContentLength + 1 ?? 4096)];
        int length = 0;
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

                int n = await request.Body.ReadAsync(buffer.AsMemory(length), cancellationToken).ConfigureAwait(false);
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

        if (length > limit)
        {
            return (null, Problems.TooLarge(limit));
        }

        if (length == 0)
        {
            return (null, Problems.Of(StatusCodes.Status400BadRequest, ProblemTypes.EmptyBody, "Empty body", $"a JSON {typeof(T).Name} was expected"));
        }

        try
        {
            var value = JsonSerializer.Deserialize(buffer.AsSpan(0, length), (System.Text.Json.Serialization.Metadata.JsonTypeInfo<T>)Options.GetTypeInfo(typeof(T)));
            return value is null
                ? (null, Problems.Malformed($"a JSON {typeof(T).Name} was expected, got null"))
                : (value, null);
        }
        catch (JsonException e)
        {
            return (null, Problems.Malformed($"invalid JSON for {typeof(T).Name} at {e.Path ?? "$"} (line {e.LineNumber}, byte {e.BytePositionInLine}): {e.Message}"));
        }
    }
}
