namespace EspOta.Http;

/// <summary>How <see cref="HttpOtaClient"/> talks to the server (the knobs of <c>esp_https_ota_config_t</c> / <c>esp_http_client_config_t</c> that matter here).</summary>
public sealed record HttpOtaClientOptions
{
    /// <summary>
    /// Bytes the client reads before it decides anything (<c>IMAGE_HEADER_SIZE</c> in esp_https_ota.c):
    /// enough for the image header, the first segment header and the <c>esp_app_desc_t</c>; also the
    /// least that must be on flash before a resume is allowed.
    /// </summary>
    public const int HeaderSize = ImageAdmission.HeaderSize;

    /// <summary>
    /// The unit in which received body bytes are written and checkpointed: one flash page (the
    /// program unit of the SPI flash chips ESP-IDF drives). A cut loses at most the bytes that had not
    /// yet made a whole page.
    /// </summary>
    public const int PageSize = 256;

    /// <summary>Bytes per ranged request (<c>max_http_request_size</c>; ESP-IDF's default is 64 KiB).</summary>
    public int RequestSize { get; init; } = 64 * 1024;

    /// <summary>Most bytes handed to <c>OtaUpdate.Write</c> at a time (the receive buffer).</summary>
    public int WriteSize { get; init; } = 16 * 1024;

    /// <summary>
    /// Attempts after a failed request (a dropped connection, a timeout, a 5xx) before giving up; reset
    /// whenever bytes arrive. <see cref="RetryWindow"/> also bounds them.
    /// </summary>
    public int MaxRetries { get; init; } = 10;

    /// <summary>
    /// A network timeout, as <c>esp_http_client</c>'s <c>timeout_ms</c> is: the longest wait for the
    /// response headers and then for the next body bytes. It is an idle timeout, not a whole-request
    /// one: a slow body that keeps arriving never times out. Update checks and reports (small bodies)
    /// must finish within it.
    /// </summary>
    public TimeSpan RequestTimeout { get; init; } = TimeSpan.FromSeconds(15);

    /// <summary>The pause before the first retry; it doubles with every failure in a row up to <see cref="MaxRetryDelay"/>, each pause drawn between half and all of that (jitter).</summary>
    public TimeSpan RetryDelay { get; init; } = TimeSpan.FromMilliseconds(50);

    /// <summary>The longest pause between two attempts.</summary>
    public TimeSpan MaxRetryDelay { get; init; } = TimeSpan.FromSeconds(2);

    /// <summary>
    /// How long failures in a row may last before the client gives up (counted from the first failure
    /// since bytes last arrived): long enough to ride through a server restart.
    /// </summary>
    public TimeSpan RetryWindow { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>Seed of the jitter; null draws from a shared generator. Set it to replay a run's pauses exactly.</summary>
    public int? RetryJitterSeed { get; init; }

    /// <summary>
    /// Redirects followed per request (<c>max_redirection_count</c>; ESP-IDF's default is 10). Only
    /// redirects to the update server's own origin are followed; 0 follows none.
    /// </summary>
    public int MaxRedirections { get; init; } = 10;

    /// <summary>Throws when a value is out of range.</summary>
    public void Validate()
    {
        if (RequestSize < HeaderSize)
        {
            throw new ArgumentException($"RequestSize {RequestSize} must be at least {HeaderSize}");
        }

        if (WriteSize <= 0 || MaxRetries < 0 || RequestTimeout <= TimeSpan.Zero || RetryDelay < TimeSpan.Zero
            || MaxRetryDelay < RetryDelay || RetryWindow < TimeSpan.Zero || MaxRedirections < 0)
        {
            throw new ArgumentException("WriteSize and RequestTimeout must be positive, MaxRetries, RetryDelay, RetryWindow and MaxRedirections not negative, MaxRetryDelay not below RetryDelay");
        }
    }
}
