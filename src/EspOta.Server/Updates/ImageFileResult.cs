using EspOta.Server.Firmware;
using EspOta.Server.Operations;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Net.Http.Headers;

namespace EspOta.Server.Updates;

/// <summary>
/// Sends an open image: whole, or one byte range, with the strong SHA-256 ETag. The requests devices
/// actually make (no Range, one <c>bytes=</c> range, If-Range with the current ETag) are answered
/// here from the cached <see cref="OpenImage"/> with positional reads straight into the response
/// pipe — no file-system call, no stream, no header parsing beyond the Range. Anything else
/// (If-None-Match, If-Modified-Since, If-Match, If-Unmodified-Since, a date or another tag in
/// If-Range, several ranges, an unsatisfiable or odd Range) goes to ASP.NET Core's own file result,
/// so the HTTP semantics stay exactly the framework's (tested side by side). A given
/// <c>lastModified</c> replaces the file's time (the stable URL dates its bytes by the release).
/// </summary>
internal sealed class ImageFileResult(OpenImage image, ServerMetrics metrics, DateTimeOffset? lastModified = null) : IResult
{
    /// <summary>How much is read and handed to the socket at a time.</summary>
    private const int ChunkSize = 64 * 1024;

    private static readonly string[] Conditionals =
        [HeaderNames.IfMatch, HeaderNames.IfNoneMatch, HeaderNames.IfModifiedSince, HeaderNames.IfUnmodifiedSince];

    public Task ExecuteAsync(HttpContext httpContext)
    {
        var request = httpContext.Request;
        var headers = request.Headers;
        foreach (string name in Conditionals)
        {
            if (headers.ContainsKey(name))
            {
                return FrameworkAsync(httpContext);
            }
        }

        long offset = 0, count = image.Length;
        bool partial = false;
        var range = headers.Range;
        if (range.Count > 0)
        {
            var ifRange = headers.IfRange;
            if (range.Count != 1 || (ifRange.Count > 0 && (ifRange.Count != 1 || ifRange[0] != image.ETag))
                || !TryParseSatisfiable(range[0], image.Length, out offset, out count))
            {
                return FrameworkAsync(httpContext);
            }

            partial = true;
        }

        var response = httpContext.Response;
        var responseHeaders = response.Headers;
        response.StatusCode = partial ? StatusCodes.Status206PartialContent : StatusCodes.Status200OK;
        response.ContentType = "application/octet-stream";
        response.ContentLength = count;
        responseHeaders.AcceptRanges = "bytes";
        responseHeaders.ETag = image.ETag;
        responseHeaders.LastModified = lastModified is { } modified ? OpenImage.HttpDate(modified) : image.LastModifiedText;
        if (partial)
        {
            responseHeaders.ContentRange = $"bytes {offset}-{offset + count - 1}/{image.LengthText}";
        }

        bool head = HttpMethods.IsHead(request.Method);
        metrics.Download(response.StatusCode, head ? 0 : count);
        return head || count == 0 ? Task.CompletedTask : SendAsync(response, image, offset, count, httpContext.RequestAborted);
    }

    private async Task FrameworkAsync(HttpContext httpContext)
    {
        var file = TypedResults.PhysicalFile(
            image.Path,
            "application/octet-stream",
            fileDownloadName: null,
            lastModified: lastModified ?? image.LastModified,
            entityTag: new EntityTagHeaderValue(image.ETag),
            enableRangeProcessing: true);
        await new CountedFileResult(file, metrics).ExecuteAsync(httpContext).ConfigureAwait(false);
    }

    private static async Task SendAsync(HttpResponse response, OpenImage image, long offset, long count, CancellationToken cancellationToken)
    {
        // Headers first: before the response has started, Kestrel hands out memory of its own for the
        // body and copies it behind the headers at the first flush, 4 KiB at a time; once started,
        // GetMemory is the connection's output pipe itself, so the file is read straight into it.
        await response.StartAsync(cancellationToken).ConfigureAwait(false);
        var writer = response.BodyWriter;
        while (count > 0)
        {
            // Read straight into the response pipe's buffer: the page cache is copied once, to the
            // socket's memory, as nginx does without sendfile. A page-cache read is a memory copy, so
            // it runs on this thread rather than hopping to another for "asynchronous" file I/O.
            var memory = writer.GetMemory((int)Math.Min(count, ChunkSize));
            int want = (int)Math.Min(count, memory.Length);
            int read = RandomAccess.Read(image.Handle, memory.Span[..want], offset);
            if (read == 0)
            {
                // The length was promised in Content-Length; a shorter file can only mean it was
                // truncated under us, and the one honest answer is to cut the connection.
                throw new IOException($"{image.Path} ended at byte {offset}, before the {image.Length} it had when opened");
            }

            writer.Advance(read);
            offset += read;
            count -= read;
            var flushed = await writer.FlushAsync(cancellationToken).ConfigureAwait(false);
            if (flushed.IsCompleted || flushed.IsCanceled)
            {
                return;
            }
        }
    }

    /// <summary>
    /// One range in the exact form clients send (<c>bytes=F-L</c>, <c>bytes=F-</c>, <c>bytes=-N</c>:
    /// lowercase unit, no spaces, F ≤ L) that overlaps the file, clamped to it (RFC 9110 §14.1.2).
    /// False for everything else, which the framework then judges.
    /// </summary>
    internal static bool TryParseSatisfiable(string? value, long length, out long offset, out long count)
    {
        offset = 0;
        count = 0;
        if (value is null || !value.StartsWith("bytes=", StringComparison.Ordinal))
        {
            return false;
        }

        var spec = value.AsSpan(6);
        int dash = spec.IndexOf('-');
        if (dash < 0)
        {
            return false;
        }

        var first = spec[..dash];
        var last = spec[(dash + 1)..];
        if (first.IsEmpty)
        {
            // A suffix: the last N bytes.
            if (!TryDigits(last, out long suffix) || suffix == 0)
            {
                return false;
            }

            count = Math.Min(suffix, length);
            offset = length - count;
            return count > 0;
        }

        if (!TryDigits(first, out long from) || from >= length)
        {
            return false;
        }

        long to = length - 1;
        if (!last.IsEmpty)
        {
            if (!TryDigits(last, out long end) || end < from)
            {
                return false;
            }

            to = Math.Min(end, to);
        }

        offset = from;
        count = to - from + 1;
        return true;
    }

    /// <summary>1–18 ASCII digits (no sign, no overflow).</summary>
    private static bool TryDigits(ReadOnlySpan<char> digits, out long value)
    {
        value = 0;
        if (digits.IsEmpty || digits.Length > 18 || digits.ContainsAnyExceptInRange('0', '9'))
        {
            return false;
        }

        foreach (char c in digits)
        {
            value = (value * 10) + (c - '0');
        }

        return true;
    }
}
