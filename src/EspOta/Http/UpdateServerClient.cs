using System.Net;
using System.Net.Http.Json;
using System.Text.Json;

namespace EspOta.Http;

/// <summary>
/// The device's side of the EspOta update server's API: ask for an update (and check the offer before
/// anything is fetched), report steps, and send ranged image requests to the server's origin only.
/// </summary>
public sealed class UpdateServerClient
{
    private readonly HttpClient _http;

    /// <summary>Creates a client over <paramref name="http"/>, whose <see cref="HttpClient.BaseAddress"/> is the server.</summary>
    public UpdateServerClient(HttpClient http, HttpOtaClientOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(http);
        if (http.BaseAddress is null)
        {
            throw new ArgumentException("the HttpClient needs a BaseAddress (the update server)", nameof(http));
        }

        Options = options ?? new HttpOtaClientOptions();
        Options.Validate();
        _http = http;
    }

    /// <summary>The client's settings.</summary>
    public HttpOtaClientOptions Options { get; }

    /// <summary>Asks the server whether there is an update for <paramref name="device"/>; null when there is none (204).</summary>
    /// <exception cref="EspException">The server could not be reached (<see cref="EspError.HttpConnect"/>), or answered something else or an offer that is not valid JSON, lacks a field, has no 64-hex-digit sha256 or a positive size, or points off the server (<see cref="EspError.InvalidResponse"/>).</exception>
    public Task<UpdateOffer?> CheckAsync(UpdateCheckRequest device, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(device);
        return HttpRetry.RunAsync(
            Options,
            async token =>
            {
                using var response = await SendAsync(
                    url => new HttpRequestMessage(HttpMethod.Post, url) { Content = JsonContent.Create(device, OtaJsonContext.Default.UpdateCheckRequest) },
                    new Uri(_http.BaseAddress!, "api/updates/check"),
                    HttpCompletionOption.ResponseContentRead,
                    token).ConfigureAwait(false);
                if (response.StatusCode == HttpStatusCode.NoContent)
                {
                    return null;
                }

                HttpRetry.ThrowIfServerError(response);
                if (response.StatusCode != HttpStatusCode.OK)
                {
                    throw new EspException(EspError.InvalidResponse, $"update check: the server answered {(int)response.StatusCode} {response.ReasonPhrase}");
                }

                UpdateOffer? offer;
                try
                {
                    offer = await response.Content.ReadFromJsonAsync(OtaJsonContext.Default.UpdateOffer, token).ConfigureAwait(false);
                }
                catch (JsonException e)
                {
                    throw new EspException(EspError.InvalidResponse, $"update check: the offer is not valid JSON: {e.Message}", e);
                }

                if (offer is null)
                {
                    throw new EspException(EspError.InvalidResponse, "update check: empty offer");
                }

                ResolveOffer(offer);
                return offer;
            },
            cancellationToken);
    }

    /// <summary>Sends one step of the cycle to the server; false when it could not be delivered (reports never fail an update).</summary>
    public async Task<bool> ReportAsync(string deviceId, DeviceReport report, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(report);
        try
        {
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            timeout.CancelAfter(Options.RequestTimeout);
            using var response = await SendAsync(
                url => new HttpRequestMessage(HttpMethod.Post, url) { Content = JsonContent.Create(report, OtaJsonContext.Default.DeviceReport) },
                new Uri(_http.BaseAddress!, $"api/devices/{Uri.EscapeDataString(deviceId)}/reports"),
                HttpCompletionOption.ResponseContentRead,
                timeout.Token).ConfigureAwait(false);
            return response.IsSuccessStatusCode;
        }
        catch (Exception e) when (e is HttpRequestException or IOException or EspException || (e is OperationCanceledException && !cancellationToken.IsCancellationRequested))
        {
            return false;
        }
    }

    /// <summary>
    /// Checks what the server offered before anything is fetched or erased, and resolves its URL: a
    /// hostile or broken server must not make the device download from elsewhere or crash it.
    /// </summary>
    /// <exception cref="EspException"><see cref="EspError.InvalidResponse"/>: a field is missing, the size is not positive, the sha256 is not 64 hex digits, or the URL is not on the update server.</exception>
    public Uri ResolveOffer(UpdateOffer offer)
    {
        ArgumentNullException.ThrowIfNull(offer);
        if (offer.Url is null || offer.Sha256 is null || offer.Project is null || offer.Version is null || offer.Chip is null)
        {
            throw new EspException(EspError.InvalidResponse, "the offer lacks a field (url, sha256, project, version and chip are required)");
        }

        if (offer.Size <= 0)
        {
            throw new EspException(EspError.InvalidResponse, $"the offer announces {offer.Size} bytes; expected a positive size");
        }

        if (offer.Sha256.Length != 64 || !offer.Sha256.All(char.IsAsciiHexDigit))
        {
            throw new EspException(EspError.InvalidResponse, $"the offer's sha256 '{offer.Sha256}' is not 64 hex digits");
        }

        var server = _http.BaseAddress!;
        if (!Uri.TryCreate(server, offer.Url, out var url) || !IsOnServer(url))
        {
            throw new EspException(EspError.InvalidResponse, $"the offer's url '{offer.Url}' is not on the update server {server.GetLeftPart(UriPartial.Authority)}");
        }

        return url;
    }

    /// <summary>
    /// Sends a request made by <paramref name="request"/> for <paramref name="url"/> and follows
    /// redirects as <c>esp_http_client</c> does (301, 302, 303, 307 and 308, the same method and body
    /// again, at most <see cref="HttpOtaClientOptions.MaxRedirections"/>, an https:// origin never
    /// downgraded), with one rule of ours on top: only to the update server's own origin (scheme, host
    /// and port). ESP-IDF follows a redirect to any host with every header it set; here a 3xx must
    /// not send the download, the device's token or an API key anywhere else.
    /// </summary>
    /// <exception cref="EspException"><see cref="EspError.HttpMaxRedirect"/>: more redirects than allowed (a loop ends here too);
    /// <see cref="EspError.HttpRedirectDowngrade"/>: https:// to another scheme; <see cref="EspError.InvalidResponse"/>: to another
    /// origin, or a 3xx without a Location.</exception>
    internal async Task<HttpResponseMessage> SendAsync(Func<Uri, HttpRequestMessage> request, Uri url, HttpCompletionOption completion, CancellationToken cancellationToken)
    {
        var visited = new List<Uri> { url };
        for (int followed = 0; ; followed++)
        {
            HttpResponseMessage response;
            using (var message = request(url))
            {
                response = await _http.SendAsync(message, completion, cancellationToken).ConfigureAwait(false);
            }

            try
            {
                // A caller's HttpClient that follows redirects by itself has already been elsewhere;
                // its answer must still not come from another origin.
                if (response.RequestMessage?.RequestUri is { } answered && !IsOnServer(answered))
                {
                    throw new EspException(EspError.InvalidResponse,
                        $"{url}: the HttpClient followed a redirect to {answered}, off the update server {Origin}; give the device a handler with AllowAutoRedirect = false (HttpOtaTls.CreateHandler)");
                }

                if (!IsRedirect(response.StatusCode))
                {
                    return response;
                }

                if (followed >= Options.MaxRedirections)
                {
                    bool loop = response.Headers.Location is { } again && visited.Contains(new Uri(url, again));
                    throw new EspException(EspError.HttpMaxRedirect,
                        $"{visited[0]}: {(int)response.StatusCode} after {followed} redirects{(loop ? " (a loop)" : "")}; max_redirection_count is {Options.MaxRedirections}");
                }

                if (response.Headers.Location is not { } location)
                {
                    throw new EspException(EspError.InvalidResponse, $"{url}: {(int)response.StatusCode} without a Location header");
                }

                var next = new Uri(url, location);
                if (url.Scheme == Uri.UriSchemeHttps && next.Scheme != Uri.UriSchemeHttps)
                {
                    throw new EspException(EspError.HttpRedirectDowngrade, $"{url}: {(int)response.StatusCode} to {next}; an https:// origin may only redirect to https://");
                }

                if (!IsOnServer(next))
                {
                    throw new EspException(EspError.InvalidResponse,
                        $"{url}: {(int)response.StatusCode} to {next}, off the update server {Origin}; redirects are followed within the server's origin only");
                }

                visited.Add(next);
                url = next;
            }
            catch
            {
                response.Dispose();
                throw;
            }

            response.Dispose();
        }
    }

    private string Origin => _http.BaseAddress!.GetLeftPart(UriPartial.Authority);

    private bool IsOnServer(Uri url) =>
        url.IsAbsoluteUri
        && Uri.Compare(url, _http.BaseAddress, UriComponents.SchemeAndServer, UriFormat.Unescaped, StringComparison.OrdinalIgnoreCase) == 0;

    private static bool IsRedirect(HttpStatusCode code) =>
        code is HttpStatusCode.MovedPermanently or HttpStatusCode.Found or HttpStatusCode.SeeOther
            or HttpStatusCode.TemporaryRedirect or HttpStatusCode.PermanentRedirect;
}
