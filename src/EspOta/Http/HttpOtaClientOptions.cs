namespace EspOta.Http;

/// <summary>How <see cref="HttpOtaClient"/> talks to the server (the knobs of <c>esp_https_ota_config_t</c> that matter here).</summary>
public sealed record HttpOtaClientOptions
{
    /// <summary>
    /// Bytes the client reads before it decides anything (<c>IMAGE_HEADER_SIZE</c> in esp_https_ota.c):
    /// enough for the image header, the first segment header and the <c>esp_app_desc_t</c>; also the
    /// least that must be on flash before a resume is allowed.
    /// </summary>
    public const int HeaderSize = ImageAdmission.HeaderSize;

    /// <summary>Bytes per ranged request (<c>max_http_request_size</c>; ESP-IDF's default is 64 KiB).</summary>
    public int RequestSize { get; init; } = 64 * 1024;

    /// <summary>Bytes handed to <c>OtaUpdate.Write</c> at a time.</summary>
    public int WriteSize { get; init; } = 16 * 1024;

    /// <summary>Attempts after a failed request (a dropped connection, a timeout, a 5xx) before giving up; reset whenever bytes arrive.</summary>
    public int MaxRetries { get; init; } = 5;

    /// <summary>Time one request may take, headers and body.</summary>
    public TimeSpan RequestTimeout { get; init; } = TimeSpan.FromSeconds(15);

    /// <summary>Pause before a retry, multiplied by the attempt number.</summary>
    public TimeSpan RetryDelay { get; init; } = TimeSpan.FromMilliseconds(50);

    /// <summary>Throws when a value is out of range.</summary>
    public void Validate()
    {
        if (RequestSize < HeaderSize)
        {
            throw new ArgumentException($"RequestSize {RequestSize} must be at least {HeaderSize}");
        }

        if (WriteSize <= 0 || MaxRetries < 0 || RequestTimeout <= TimeSpan.Zero || RetryDelay < TimeSpan.Zero)
        {
            throw new ArgumentException("WriteSize and RequestTimeout must be positive, MaxRetries and RetryDelay not negative");
        }
    }
}
