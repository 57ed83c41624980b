using System.Globalization;
using System.Net.Sockets;
using System.Text;

namespace EspOta.Server.Tests.Updates;

/// <summary>
/// A plain HTTP/1.1 client over a socket that asks what <c>esp_https_ota</c> (ESP-IDF v5.5,
/// components/esp_https_ota/src/esp_https_ota.c) asks through <c>esp_http_client</c>: a HEAD for the
/// length when partial download is on, then GETs with fixed-size <c>Range: bytes=a-b</c> headers and
/// no <c>If-Range</c>, the last one open-ended; or one <c>bytes=offset-</c> GET to resume. No
/// HttpClient, so nothing is added that the device would not send.
/// </summary>
internal sealed class EspHttpClientLike(Uri url)
{
    public sealed record Response(int Status, Dictionary<string, string> Headers, byte[] Body);

    public List<string> Requests { get; } = [];

    public async Task<Response> SendAsync(string method, string? range = null, string? ifNoneMatch = null)
    {
        using var tcp = new TcpClient();
        await tcp.ConnectAsync(url.Host, url.Port);
        await using var stream = tcp.GetStream();
        var request = new StringBuilder()
            .Append(CultureInfo.InvariantCulture, $"{method} {url.PathAndQuery} HTTP/1.1\r\n")
            .Append(CultureInfo.InvariantCulture, $"Host: {url.Host}:{url.Port}\r\n")
            .Append("User-Agent: ESP32 HTTP Client/1.0\r\n");
        if (range is not null)
        {
            request.Append(CultureInfo.InvariantCulture, $"Range: {range}\r\n");
        }

        if (ifNoneMatch is not null)
        {
            request.Append(CultureInfo.InvariantCulture, $"If-None-Match: {ifNoneMatch}\r\n");
        }

        request.Append("Connection: close\r\n\r\n");
        Requests.Add($"{method} {range}");
        await stream.WriteAsync(Encoding.ASCII.GetBytes(request.ToString()));

        using var all = new MemoryStream();
        await stream.CopyToAsync(all);
        var bytes = all.ToArray();
        int end = bytes.AsSpan().IndexOf("\r\n\r\n"u8);
        var head = Encoding.ASCII.GetString(bytes, 0, end).Split("\r\n");
        int status = int.Parse(head[0].Split(' ')[1], CultureInfo.InvariantCulture);
        var headers = head.Skip(1).Select(l => l.Split(':', 2)).ToDictionary(p => p[0].Trim(), p => p[1].Trim(), StringComparer.OrdinalIgnoreCase);
        var body = bytes[(end + 4)..];
        if (method != "HEAD" && headers.TryGetValue("Content-Length", out var length))
        {
            Assert.Equal(long.Parse(length, CultureInfo.InvariantCulture), body.Length);
        }

        return new Response(status, headers, body);
    }

    /// <summary>
    /// The partial download of <c>esp_https_ota_begin</c>/<c>_perform</c>: HEAD (must be 200) for the
    /// image length, then ranges of <paramref name="requestSize"/> from <paramref name="start"/>;
    /// <paramref name="stopAfter"/> requests simulate a power cut.
    /// </summary>
    public async Task<(long ImageLength, byte[] Received, List<Response> Responses)> PartialDownloadAsync(int requestSize, long start = 0, int stopAfter = int.MaxValue)
    {
        var headResponse = await SendAsync("HEAD");
        Assert.Equal(200, headResponse.Status);
        long imageLength = long.Parse(headResponse.Headers["Content-Length"], CultureInfo.InvariantCulture);

        var received = new MemoryStream();
        var responses = new List<Response>();
        long offset = start;
        // First request: bytes=start-end, where end is start+size-1 or, when the rest fits, the image
        // length itself (one past the last byte, as esp_https_ota writes it); later ones: bytes=a-b,
        // the last "bytes=a-".
        string range = imageLength > requestSize + offset
            ? $"bytes={offset}-{offset + requestSize - 1}"
            : $"bytes={offset}-{imageLength}";
        while (offset < imageLength && responses.Count < stopAfter)
        {
            var r = await SendAsync("GET", range);
            responses.Add(r);
            Assert.Equal(206, r.Status);
            received.Write(r.Body);
            offset += r.Body.Length;
            range = imageLength - offset > requestSize ? $"bytes={offset}-{offset + requestSize - 1}" : $"bytes={offset}-";
        }

        return (imageLength, received.ToArray(), responses);
    }
}
