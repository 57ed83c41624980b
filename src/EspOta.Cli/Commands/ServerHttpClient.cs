namespace EspOta.Cli.Commands;

/// <summary>The one way the CLI builds an <see cref="HttpClient"/> for an update server given by --server.</summary>
internal static class ServerHttpClient
{
    /// <summary>
    /// A client whose base address is <paramref name="server"/> with a trailing slash, so that relative
    /// paths such as <c>api/firmware</c> keep a path prefix (<c>http://host/ota</c> → <c>http://host/ota/api/firmware</c>).
    /// </summary>
    public static HttpClient Create(Uri server, string? apiKey = null, TimeSpan? timeout = null)
    {
        ArgumentNullException.ThrowIfNull(server);
        var client = new HttpClient { BaseAddress = BaseAddressOf(server) };
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

    /// <summary><paramref name="server"/> with its path ending in '/'.</summary>
    public static Uri BaseAddressOf(Uri server) =>
        server.AbsolutePath.EndsWith('/') ? server : new UriBuilder(server) { Path = server.AbsolutePath + "/" }.Uri;
}
