namespace EspOta.Http;

/// <summary>
/// How the device side verifies the update server, as <c>esp_http_client_config_t</c> and
/// <c>esp_https_ota</c> configure it. Without any trust anchor and without
/// <see cref="AllowHttp"/>, <c>esp_https_ota_begin</c> refuses to start
/// (<c>ESP_ERR_INVALID_ARG</c>, "No option for server verification is enabled").
/// </summary>
public sealed record HttpOtaTlsOptions
{
    /// <summary>
    /// <c>cert_pem</c>: the CA certificate(s) the server's chain must end in, or the server's own
    /// certificate to pin it (a presented certificate equal to one of these is trusted as it is).
    /// </summary>
    public string? CertPem { get; init; }

    /// <summary><c>crt_bundle_attach</c>: a bundle of CA certificates (PEM, concatenated), any of which may issue the server's chain.</summary>
    public string? CaBundlePem { get; init; }

    /// <summary><c>client_cert_pem</c>: the device's certificate for mutual TLS (with <see cref="ClientKeyPem"/>).</summary>
    public string? ClientCertPem { get; init; }

    /// <summary><c>client_key_pem</c>: the unencrypted private key of <see cref="ClientCertPem"/>.</summary>
    public string? ClientKeyPem { get; init; }

    /// <summary><c>common_name</c>: the name the certificate must carry, when not the URL's host.</summary>
    public string? CommonName { get; init; }

    /// <summary><c>skip_cert_common_name_check</c>: accept a trusted certificate for any name (off by default, as in ESP-IDF).</summary>
    public bool SkipCommonNameCheck { get; init; }

    /// <summary>
    /// <c>CONFIG_ESP_HTTPS_OTA_ALLOW_HTTP</c>: allow <c>http://</c> servers (no TLS). Off by default;
    /// without it a plain-HTTP URL is refused before any connection.
    /// </summary>
    public bool AllowHttp { get; init; }

    /// <summary>Whether a trust anchor is configured (<c>is_server_verification_enabled</c> in esp_https_ota.c).</summary>
    public bool HasServerVerification => !string.IsNullOrWhiteSpace(CertPem) || !string.IsNullOrWhiteSpace(CaBundlePem);
}
