namespace EspOta.Http;

/// <summary>
/// The update server's TLS connection was refused. As on the device, where <c>esp_http_client_open</c>
/// fails with <c>ESP_ERR_HTTP_CONNECT</c> when <c>esp_tls</c> cannot complete the handshake,
/// <see cref="EspException.Code"/> is <see cref="EspError.HttpConnect"/>; a missing verification
/// option is <see cref="EspError.InvalidArg"/> (<c>esp_https_ota_begin</c>). Never retried: nothing
/// was downloaded, nothing was erased.
/// </summary>
public sealed class HttpOtaTlsException : EspException
{
    /// <summary>Creates the exception.</summary>
    public HttpOtaTlsException(HttpOtaTlsFailure failure, string message, Exception? innerException = null)
        : base(failure == HttpOtaTlsFailure.NoServerVerification ? EspError.InvalidArg : EspError.HttpConnect, message, innerException)
    {
        Failure = failure;
    }

    /// <summary>Why.</summary>
    public HttpOtaTlsFailure Failure { get; }

    /// <summary>The <see cref="HttpOtaTlsException"/> somewhere in <paramref name="exception"/>'s inner exceptions, if any.</summary>
    public static HttpOtaTlsException? Find(Exception? exception)
    {
        for (var e = exception; e is not null; e = e.InnerException)
        {
            if (e is HttpOtaTlsException tls)
            {
                return tls;
            }
        }

        return null;
    }
}
