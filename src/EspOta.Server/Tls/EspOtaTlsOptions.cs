namespace EspOta.Server.Tls;

/// <summary>HTTPS settings of the update server (Kestrel, TLS 1.2 and 1.3).</summary>
public sealed class EspOtaTlsOptions
{
    /// <summary>The server certificate (PEM; may hold the chain after the leaf). Reloaded when the file changes.</summary>
    public required string CertificatePath { get; init; }

    /// <summary>Its unencrypted private key (PEM). Reloaded when the file changes.</summary>
    public required string KeyPath { get; init; }

    /// <summary>
    /// When set, clients must present a certificate issued by this CA (PEM): mutual TLS, what
    /// <c>esp_https_ota</c>'s <c>client_cert_pem</c> / <c>client_key_pem</c> answer.
    /// </summary>
    public string? ClientCaPath { get; init; }
}
