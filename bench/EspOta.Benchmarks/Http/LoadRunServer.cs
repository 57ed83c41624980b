using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Headers;
using System.Text.Json;

namespace EspOta.Benchmarks.Http;

/// <summary>
/// The real <c>esp-ota serve</c> in its own process (so that its memory is measured on its own), with a
/// temporary data folder; disposing stops the process and deletes the folder.
/// </summary>
internal sealed class LoadRunServer : IAsyncDisposable
{
    private const string ApiKey = "load-run-key";

    private readonly Process _process;
    private readonly string _data;

    private LoadRunServer(Process process, string data, Uri baseAddress, string? caPem)
    {
        _process = process;
        _data = data;
        BaseAddress = baseAddress;
        CaPem = caPem;
    }

    /// <summary>Where the server listens.</summary>
    public Uri BaseAddress { get; }

    /// <summary>The CA of the server's certificate when it serves HTTPS (what devices trust as cert_pem).</summary>
    public string? CaPem { get; }

    /// <summary>A client for devices: plain, or verifying the server against <see cref="CaPem"/> as a device does.</summary>
    public HttpClient CreateDeviceClient(int maxConnections = int.MaxValue)
    {
        var handler = EspOta.Http.HttpOtaTls.CreateHandler(BaseAddress, new EspOta.Http.HttpOtaTlsOptions { CertPem = CaPem, AllowHttp = CaPem is null });
        handler.MaxConnectionsPerServer = maxConnections;
        return new HttpClient(handler) { BaseAddress = BaseAddress, Timeout = TimeSpan.FromMinutes(5) };
    }

    /// <summary>
    /// Starts <c>esp-ota serve</c> on a free loopback port; <paramref name="arguments"/> are added to its
    /// command line, <paramref name="environment"/> to its environment (e.g. <c>EspOta__DeviceRequestsPerSecond=0</c>
    /// for a one-machine fleet), and <paramref name="data"/> names a data folder to share with another server.
    /// </summary>
    public static LoadRunServer Start(string name, bool tls = false, IReadOnlyList<string>? arguments = null, IReadOnlyDictionary<string, string>? environment = null, string? data = null)
    {
        data ??= Path.Combine(Path.GetTempPath(), $"esp-ota-{name}-{Guid.NewGuid().ToString("N")[..8]}");
        string? caPem = null;
        string[] listen = ["--urls", "http://127.0.0.1:0", "--allow-http"];
        if (tls)
        {
            // The certificate lives beside the data folder and goes with it.
            Directory.CreateDirectory(data);
            using var ca = EspOta.Security.LocalCertificateAuthority.Create();
            using var certificate = ca.IssueServer(["127.0.0.1", "localhost"]);
            File.WriteAllText(Path.Combine(data, "server.pem"), EspOta.Security.LocalCertificateAuthority.CertificatePem(certificate));
            File.WriteAllText(Path.Combine(data, "server.key"), EspOta.Security.LocalCertificateAuthority.KeyPem(certificate));
            caPem = EspOta.Security.LocalCertificateAuthority.CertificatePem(ca.Certificate);
            listen = ["--urls", "https://127.0.0.1:0", "--cert", Path.Combine(data, "server.pem"), "--key", Path.Combine(data, "server.key")];
        }

        string cli = Path.Combine(AppContext.BaseDirectory, "esp-ota.dll");
        var start = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var arg in (string[])["exec", cli, "serve", "--data", data, .. listen, "--api-key", ApiKey, "--json", .. arguments ?? []])
        {
            start.ArgumentList.Add(arg);
        }

        foreach (var (key, value) in environment ?? new Dictionary<string, string>())
        {
            start.Environment[key] = value;
        }

        var process = Process.Start(start) ?? throw new InvalidOperationException("could not start esp-ota serve");
        string? line = process.StandardOutput.ReadLine();
        if (line is null)
        {
            throw new InvalidOperationException($"esp-ota serve exited: {process.StandardError.ReadToEnd()}");
        }

        using var json = JsonDocument.Parse(line);
        return new LoadRunServer(process, data, new Uri(json.RootElement.GetProperty("urls")[0].GetString()!), caPem);
    }

    /// <summary>A client that sends the API key.</summary>
    public HttpClient CreateAdminClient()
    {
        var admin = CreateDeviceClient();
        admin.DefaultRequestHeaders.Add("X-Api-Key", ApiKey);
        return admin;
    }

    /// <summary>Uploads a firmware image through the admin API.</summary>
    public async Task UploadAsync(byte[] image)
    {
        using var admin = CreateAdminClient();
        using var content = new ByteArrayContent(image);
        content.Headers.ContentType = new MediaTypeHeaderValue("application/octet-stream");
        using var upload = await admin.PostAsync("api/firmware", content);
        upload.EnsureSuccessStatusCode();
    }

    /// <summary>VmHWM of the server process: the most resident memory it ever had.</summary>
    public long PeakResidentBytes()
    {
        foreach (var line in File.ReadLines($"/proc/{_process.Id}/status"))
        {
            if (line.StartsWith("VmHWM:", StringComparison.Ordinal))
            {
                return long.Parse(line["VmHWM:".Length..].Trim().Split(' ')[0], CultureInfo.InvariantCulture) * 1024;
            }
        }

        _process.Refresh();
        return _process.PeakWorkingSet64;
    }

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        _process.Kill(entireProcessTree: true);
        await _process.WaitForExitAsync();
        _process.Dispose();
        try
        {
            Directory.Delete(_data, recursive: true);
        }
        catch (IOException)
        {
            // A leftover temp folder is harmless; the figures are already printed.
        }
    }
}
