namespace EspOta.Http;

/// <summary>Why a TLS connection to the update server was refused (<see cref="HttpOtaTlsException.Failure"/>).</summary>
public enum HttpOtaTlsFailure
{
    /// <summary>An <c>http://</c> URL while <see cref="HttpOtaTlsOptions.AllowHttp"/> is off, or HTTPS without any trust anchor.</summary>
    NoServerVerification = 1,

    /// <summary>The server's chain does not lead to <c>cert_pem</c> / the CA bundle (<c>MBEDTLS_X509_BADCERT_NOT_TRUSTED</c>).</summary>
    UntrustedCertificate = 2,

    /// <summary>A certificate of the chain is expired or not yet valid (<c>MBEDTLS_X509_BADCERT_EXPIRED</c> / <c>_FUTURE</c>).</summary>
    Expired = 3,

    /// <summary>The certificate is not for the host name (<c>MBEDTLS_X509_BADCERT_CN_MISMATCH</c>).</summary>
    NameMismatch = 4,

    /// <summary>The server sent no certificate.</summary>
    NoCertificate = 5,

    /// <summary>The handshake failed otherwise (e.g. the server refused the client certificate, no common protocol).</summary>
    HandshakeFailed = 6,
}
