using System.Net.Security;
using System.Security.Authentication;
using System.Security.Cryptography.X509Certificates;

namespace EspOta.Http;

/// <summary>
/// Builds the <see cref="HttpClient"/> a device uses for the update server with
/// <see cref="HttpOtaTlsOptions"/>: server verification against <c>cert_pem</c> / the CA bundle only
/// (never the host's own store, like mbedTLS on the chip), the name check, an optional client
/// certificate, TLS 1.2 or 1.3, and no plain HTTP unless allowed.
/// </summary>
public static class HttpOtaTls
{
    /// <summary>Creates a client for <paramref name="server"/> (its <see cref="HttpClient.BaseAddress"/>).</summary>
    /// <exception cref="HttpOtaTlsException"><see cref="HttpOtaTlsFailure.NoServerVerification"/>: plain HTTP not allowed, or HTTPS without a trust anchor.</exception>
    /// <exception cref="ArgumentException">A PEM option holds no certificate.</exception>
    public static HttpClient CreateClient(Uri server, HttpOtaTlsOptions options, TimeSpan? timeout = null)
    {
        var handler = CreateHandler(server, options);
        var client = new HttpClient(handler, disposeHandler: true) { BaseAddress = server };
        if (timeout is TimeSpan t)
        {
            client.Timeout = t;
        }

        return client;
    }

    /// <summary>The handler behind <see cref="CreateClient"/>.</summary>
    /// <exception cref="HttpOtaTlsException"><see cref="HttpOtaTlsFailure.NoServerVerification"/>.</exception>
    public static SocketsHttpHandler CreateHandler(Uri server, HttpOtaTlsOptions options)
    {
        ArgumentNullException.ThrowIfNull(server);
        ArgumentNullException.ThrowIfNull(options);
        CheckAllowed(server, options);
        // Redirects are the UpdateServerClient's to follow (same origin only): the handler's own
        // following would carry every default header (a device token) to any host a 3xx names.
        var handler = new SocketsHttpHandler { PooledConnectionIdleTimeout = TimeSpan.FromSeconds(30), AllowAutoRedirect = false };
        if (server.Scheme != Uri.UriSchemeHttps)
        {
            return handler;
        }

        var anchors = new X509Certificate2Collection();
        AddPem(anchors, options.CertPem, "cert_pem");
        AddPem(anchors, options.CaBundlePem, "crt_bundle");
        string expectedName = options.CommonName ?? server.IdnHost;
        handler.SslOptions = new SslClientAuthenticationOptions
        {
            TargetHost = server.IdnHost,
            EnabledSslProtocols = SslProtocols.Tls12 | SslProtocols.Tls13,
            CertificateRevocationCheckMode = X509RevocationMode.NoCheck,
            RemoteCertificateValidationCallback = (_, certificate, _, _) =>
                Validate(certificate, anchors, options.SkipCommonNameCheck ? null : expectedName, server),
        };
        if (options.ClientCertPem is not null || options.ClientKeyPem is not null)
        {
            if (options.ClientCertPem is null || options.ClientKeyPem is null)
            {
                throw new ArgumentException("client_cert_pem and client_key_pem go together", nameof(options));
            }

            using var pem = X509Certificate2.CreateFromPem(options.ClientCertPem, options.ClientKeyPem);
            var client = X509CertificateLoader.LoadPkcs12(pem.Export(X509ContentType.Pkcs12), null);
            handler.SslOptions.ClientCertificates = [client];
            handler.SslOptions.LocalCertificateSelectionCallback = (_, _, _, _, _) => client;
        }

        return handler;
    }

    /// <summary>Refuses what <c>esp_https_ota_begin</c> refuses before connecting.</summary>
    /// <exception cref="HttpOtaTlsException"><see cref="HttpOtaTlsFailure.NoServerVerification"/>.</exception>
    public static void CheckAllowed(Uri server, HttpOtaTlsOptions options)
    {
        if (server.Scheme == Uri.UriSchemeHttp && !options.AllowHttp)
        {
            throw new HttpOtaTlsException(HttpOtaTlsFailure.NoServerVerification,
                $"{server.GetLeftPart(UriPartial.Authority)}: plain HTTP is refused (CONFIG_ESP_HTTPS_OTA_ALLOW_HTTP is off); use https:// with cert_pem or a CA bundle");
        }

        if (server.Scheme == Uri.UriSchemeHttps && !options.HasServerVerification)
        {
            throw new HttpOtaTlsException(HttpOtaTlsFailure.NoServerVerification,
                $"{server.GetLeftPart(UriPartial.Authority)}: no option for server verification (cert_pem or crt_bundle) is set");
        }

        if (server.Scheme != Uri.UriSchemeHttp && server.Scheme != Uri.UriSchemeHttps)
        {
            throw new ArgumentException($"{server}: the update server URL must be http:// or https://", nameof(server));
        }
    }

    /// <summary>Maps a failed request to the <see cref="HttpOtaTlsException"/> it hides, or null when it was no TLS refusal.</summary>
    public static HttpOtaTlsException? AsTlsFailure(Exception exception, Uri? server)
    {
        if (HttpOtaTlsException.Find(exception) is { } tls)
        {
            return tls;
        }

        for (var e = exception; e is not null; e = e.InnerException)
        {
            if (e is AuthenticationException)
            {
                return new HttpOtaTlsException(HttpOtaTlsFailure.HandshakeFailed,
                    $"{server?.GetLeftPart(UriPartial.Authority) ?? "the update server"}: TLS handshake failed ({e.Message}{(e.InnerException is { } inner ? ": " + inner.Message : "")})", exception);
            }
        }

        return null;
    }

    private static bool Validate(X509Certificate? presented, X509Certificate2Collection anchors, string? expectedName, Uri server)
    {
        string where = server.GetLeftPart(UriPartial.Authority);
        if (presented is null)
        {
            throw new HttpOtaTlsException(HttpOtaTlsFailure.NoCertificate, $"{where}: the server sent no certificate");
        }

        using var leaf = X509CertificateLoader.LoadCertificate(presented.GetRawCertData());
        bool pinned = anchors.Any(a => a.RawDataMemory.Span.SequenceEqual(leaf.RawDataMemory.Span));
        if (!pinned)
        {
            using var chain = new X509Chain();
            chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
            chain.ChainPolicy.CustomTrustStore.AddRange(anchors);
            chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
            chain.ChainPolicy.VerificationFlags = X509VerificationFlags.NoFlag;
            if (!chain.Build(leaf))
            {
                var statuses = chain.ChainStatus.Select(s => s.Status).Aggregate(X509ChainStatusFlags.NoError, (a, b) => a | b);
                if ((statuses & X509ChainStatusFlags.NotTimeValid) != 0)
                {
                    throw new HttpOtaTlsException(HttpOtaTlsFailure.Expired,
                        $"{where}: certificate '{leaf.Subject}' (or its chain) is expired or not yet valid: valid {leaf.NotBefore.ToUniversalTime():u} to {leaf.NotAfter.ToUniversalTime():u}");
                }

                throw new HttpOtaTlsException(HttpOtaTlsFailure.UntrustedCertificate,
                    $"{where}: certificate '{leaf.Subject}' issued by '{leaf.Issuer}' does not lead to cert_pem / the CA bundle ({string.Join(", ", chain.ChainStatus.Select(s => s.Status))})");
            }
        }
        else if (DateTime.Now < leaf.NotBefore || DateTime.Now > leaf.NotAfter)
        {
            throw new HttpOtaTlsException(HttpOtaTlsFailure.Expired,
                $"{where}: the pinned certificate '{leaf.Subject}' is expired or not yet valid: valid {leaf.NotBefore.ToUniversalTime():u} to {leaf.NotAfter.ToUniversalTime():u}");
        }

        if (expectedName is not null && !leaf.MatchesHostname(expectedName, allowWildcards: true, allowCommonName: true))
        {
            throw new HttpOtaTlsException(HttpOtaTlsFailure.NameMismatch,
                $"{where}: certificate '{leaf.Subject}' is not for '{expectedName}' (the common-name check is on; skip_cert_common_name_check turns it off)");
        }

        return true;
    }

    private static void AddPem(X509Certificate2Collection into, string? pem, string what)
    {
        if (string.IsNullOrWhiteSpace(pem))
        {
            return;
        }

        int before = into.Count;
        into.ImportFromPem(pem);
        if (into.Count == before)
        {
            throw new ArgumentException($"{what} holds no PEM certificate");
        }
    }
}
