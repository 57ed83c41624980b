using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

namespace EspOta.Server.Tests.Operations;

/// <summary>
/// Debian's nginx (installed by <c>.ci/run</c>) in a temp prefix on 127.0.0.1: serves the server's
/// <c>images/</c> folder as a CDN would (<c>/images/&lt;sha256&gt;.bin</c>), also under the download
/// path devices use (<c>/api/updates/firmware/&lt;sha256&gt;</c>), and proxies the rest to the update server.
/// </summary>
public sealed class NginxServer : IAsyncDisposable
{
    public const string Binary = "/usr/sbin/nginx";

    private readonly Process _process;
    private readonly string _prefix;

    private NginxServer(Process process, string prefix, Uri baseAddress)
    {
        _process = process;
        _prefix = prefix;
        BaseAddress = baseAddress;
    }

    public Uri BaseAddress { get; }

    public string AccessLog => Path.Combine(_prefix, "access.log");

    /// <summary>True when nginx is installed; under CI it must be.</summary>
    public static bool Available => File.Exists(Binary);

    public static async Task<NginxServer> StartAsync(string imagesDirectory, Uri upstream, bool sendfile = false)
    {
        string prefix = Path.Combine(Path.GetTempPath(), "esp-ota-nginx-" + Guid.NewGuid().ToString("N")[..8]);
        Directory.CreateDirectory(prefix);
        int port = FreePort();
        string images = Path.GetFullPath(imagesDirectory).TrimEnd('/') + "/";
        await File.WriteAllTextAsync(Path.Combine(prefix, "nginx.conf"), $$"""
            pid {{prefix}}/nginx.pid;
            error_log {{prefix}}/error.log warn;
            events { worker_connections 1024; }
            http {
                access_log {{prefix}}/access.log;
                sendfile {{(sendfile ? "on" : "off")}};
                default_type application/octet-stream;
                client_body_temp_path {{prefix}}/body;
                proxy_temp_path {{prefix}}/proxy;
                fastcgi_temp_path {{prefix}}/fastcgi;
                uwsgi_temp_path {{prefix}}/uwsgi;
                scgi_temp_path {{prefix}}/scgi;
                server {
                    listen 127.0.0.1:{{port}};
                    # The SHA-256 as the ETag, as our server sends it: If-Range resumes then work across both.
                    location ~ "^/images/([0-9a-f]{64})\.bin$" { etag off; add_header ETag "\"$1\"" always; alias {{images}}$1.bin; }
                    location ~ "^/api/updates/firmware/([0-9a-f]{64})$" { etag off; add_header ETag "\"$1\"" always; alias {{images}}$1.bin; }
                    location /images/ { alias {{images}}; }
                    location / { proxy_pass {{upstream.GetLeftPart(UriPartial.Authority)}}; proxy_set_header Host $http_host; }
                }
            }
            """);
        var start = new ProcessStartInfo(Binary) { UseShellExecute = false, RedirectStandardError = true, RedirectStandardOutput = true };
        foreach (var arg in new[] { "-p", prefix, "-c", Path.Combine(prefix, "nginx.conf"), "-g", "daemon off; master_process off;" })
        {
            start.ArgumentList.Add(arg);
        }

        var process = Process.Start(start)!;
        var address = new Uri($"http://127.0.0.1:{port}/");
        using var probe = new HttpClient { BaseAddress = address, Timeout = TimeSpan.FromSeconds(2) };
        for (int i = 0; i < 100; i++)
        {
            if (process.HasExited)
            {
                throw new InvalidOperationException("nginx exited: " + await process.StandardError.ReadToEndAsync());
            }

            try
            {
                using var response = await probe.GetAsync("/images/");
                return new NginxServer(process, prefix, address);
            }
            catch (HttpRequestException)
            {
                await Task.Delay(50);
            }
        }

        process.Kill();
        throw new TimeoutException("nginx did not start");
    }

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill();
        }

        await _process.WaitForExitAsync();
        _process.Dispose();
        try
        {
            Directory.Delete(_prefix, recursive: true);
        }
        catch (IOException)
        {
        }
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
