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

    /// <summary>The HTTP client, for the image requests of a <see cref="RangedDownload"/>.</summary>
    internal HttpClient Http => _http;

    /// <summary>Asks the server whether there is an update for <paramref name="device"/>; null when there is none (204).</summary>
    /// <exception cref="EspException">The server could not be reached (<see cref="EspError.HttpConnect"/>), or answered something else or an offer that is not valid JSON, lacks a field, has no 64-hex-digit sha256 or a positive size, or points off the server (<see cref="EspError.InvalidResponse"/>).</exception>
    public Task<UpdateOffer?> CheckAsync(UpdateCheckRequest device, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(device);
        return HttpRetry.RunAsync(
            Options,
            async token =>
            {
                using var response = await _http.PostAsJsonAsync("api/updates/check", device, OtaJsonContext.Default.UpdateCheckRequest, token).ConfigureAwait(false);
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
            using var response = await _http.PostAsJsonAsync($"api/devices/{Uri.EscapeDataString(deviceId)}/reports", report, OtaJsonContext.Default.DeviceReport, timeout.Token).ConfigureAwait(false);
            return response.IsSuccessStatusCode;
        }
        catch (Exception e) when (e is HttpRequestException or IOException || (e is OperationCanceledException && !cancellationToken.IsCancellationRequested))
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
        if (!Uri.TryCreate(server, offer.Url, out var url)
            || Uri.Compare(url, server, UriComponents.SchemeAndServer, UriFormat.Unescaped, StringComparison.OrdinalIgnoreCase) != 0)
        {
            throw new EspException(EspError.InvalidResponse, $"the offer's url '{offer.Url}' is not on the update server {server.GetLeftPart(UriPartial.Authority)}");
        }

        return url;
    }
}
