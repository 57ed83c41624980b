namespace EspOta.Cli.Commands;

/// <summary>The one way the CLI builds an <see cref="HttpClient"/> for an update server given by --server.</summary>
internal static class ServerHttpClient
{
    /// <summary>
    /// A client whose base address is <paramref name="server"/> with a trailing slash, so that relative
    /// paths such as <c>api/firmware</c> keep a path prefix (<c>http://host/ota</c> → <c>http://host/ota/api/firmware</c>).
    /// It never follows a redirect by itself: the device client follows same-origin ones (docs/redirects.md),
    /// and the API key must not travel to wherever a 3xx points.
    /// </summary>
    public static HttpClient Create(Uri server, string? apiKey = null, TimeSpan? timeout = null)
    {
        ArgumentNullException.ThrowIfNull(server);
        var client = CaCertificateFile() is string ca && server.Scheme == Uri.UriSchemeHttps
            ? EspOta.Http.HttpOtaTls.CreateClient(BaseAddressOf(server), new EspOta.Http.HttpOtaTlsOptions { CertPem = File.ReadAllText(ca) })
            : new HttpClient(new SocketsHttpHandler { AllowAutoRedirect = false }) { BaseAddress = BaseAddressOf(server) };
        if (timeout is { } t)
        {
            client.Timeout = t;
        }

        if (apiKey is not null)
        {
            client.DefaultRequestHeaders.Add("X-Api-Key", apiKey);
        }

        return client;
    }

    /// <summary>
    /// Environment variable naming a CA (or the server's own) certificate PEM: https:// servers are then
    /// verified against it alone, as a device with <c>cert_pem</c> does (e.g. the ca.pem of <c>esp-ota certs create</c>).
    /// </summary>
    public const string CaCertVariable = "ESP_OTA_CA_CERT";

    private static string? CaCertificateFile() =>
        Environment.GetEnvironmentVariable(CaCertVariable) is { Length: > 0 } path ? path : null;

    /// <summary><paramref name="server"/> with its path ending in '/'.</summary>
    public static Uri BaseAddressOf(Uri server) =>
        server.AbsolutePath.EndsWith('/') ? server : new UriBuilder(server) { Path = server.AbsolutePath + "/" }.Uri;
}
