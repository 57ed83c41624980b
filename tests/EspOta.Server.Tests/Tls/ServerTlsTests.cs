using System.Net;
using System.Net.Security;
using System.Security.Authentication;
using System.Security.Cryptography.X509Certificates;
using EspOta.Cli;
using EspOta.Server.Tls;
using Microsoft.AspNetCore.Builder;

namespace EspOta.Server.Tests.Tls;

/// <summary>The update server over HTTPS on real Kestrel (127.0.0.1, a free port) with generated certificates.</summary>
public sealed class ServerTlsTests : IAsyncLifetime
{
    private const string ApiKey = "tls-test-key";

    private readonly TlsFiles _files = new();
    private readonly string _data = Path.Combine(Path.GetTempPath(), "esp-ota-tls-data-" + Guid.NewGuid().ToString("N"));
    private WebApplication _app = null!;
    private Uri _address = null!;

    public Task InitializeAsync() => StartAsync(null);

    private async Task StartAsync(string? clientCa)
    {
        _app = EspOtaServerHost.Create("https://127.0.0.1:0", o =>
        {
            o.DataDirectory = _data;
            o.ApiKey = ApiKey;
        }, new EspOtaTlsOptions { CertificatePath = _files.CertPath, KeyPath = _files.KeyPath, ClientCaPath = clientCa });
        await _app.StartAsync();
        _address = new Uri(_app.Urls.Single());
    }

    public async Task DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        _files.Dispose();
        if (Directory.Exists(_data))
        {
            Directory.Delete(_data, recursive: true);
        }
    }

    private HttpClient Client(SslProtocols protocols = SslProtocols.None, Action<X509Certificate2?>? seen = null, X509Certificate2? clientCertificate = null)
    {
        var handler = new SocketsHttpHandler
        {
            SslOptions = new SslClientAuthenticationOptions
            {
                EnabledSslProtocols = protocols,
                RemoteCertificateValidationCallback = (_, certificate, chain, errors) =>
                {
                    seen?.Invoke(certificate is null ? null : new X509Certificate2(certificate));
                    using var trust = new X509Chain();
                    trust.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
                    trust.ChainPolicy.CustomTrustStore.Add(_files.Ca.Certificate);
                    trust.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
                    return certificate is not null && trust.Build(new X509Certificate2(certificate))
                        && (errors & ~SslPolicyErrors.RemoteCertificateChainErrors) == SslPolicyErrors.None;
                },
                ClientCertificates = clientCertificate is null ? null : [clientCertificate],
            },
            PooledConnectionLifetime = TimeSpan.Zero,
        };
        var client = new HttpClient(handler) { BaseAddress = _address };
        client.DefaultRequestHeaders.Add("X-Api-Key", ApiKey);
        return client;
    }

    [Theory]
    [InlineData(SslProtocols.Tls12)]
    [InlineData(SslProtocols.Tls13)]
    public async Task Https_Tls12AndTls13_ServeTheApi(SslProtocols protocol)
    {
        using var client = Client(protocol);
        using var response = await client.GetAsync("/api/firmware");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    [Fact]
    public async Task Https_CertificateFilesReplaced_NewHandshakesGetTheNewCertificate()
    {
        X509Certificate2? first = null;
        using (var client = Client(seen: c => first = c))
        {
            Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/api/firmware")).StatusCode);
        }

        var renewed = _files.IssueServer(["127.0.0.1", "localhost", "renewed.example"]);
        X509Certificate2? second = null;
        var deadline = DateTime.UtcNow.AddSeconds(20);
        while (DateTime.UtcNow < deadline)
        {
            await Task.Delay(300);
            using var client = Client(seen: c => second = c);
            Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/api/firmware")).StatusCode);
            if (second?.Thumbprint == renewed.Thumbprint)
            {
                break;
            }
        }

        Assert.NotNull(first);
        Assert.NotEqual(first!.Thumbprint, renewed.Thumbprint);
        Assert.Equal(renewed.Thumbprint, second?.Thumbprint);
    }

    [Fact]
    public async Task MutualTls_WithoutOrWithAClientCertificate_RefusedOrServed()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
        await StartAsync(_files.CaPath);
        var (cert, key) = _files.IssueClient("device-1");

        using (var anonymous = Client())
        {
            await Assert.ThrowsAnyAsync<HttpRequestException>(() => anonymous.GetAsync("/api/firmware"));
        }

        using var foreignCa = EspOta.Security.LocalCertificateAuthority.Create("someone else");
        using (var foreign = Client(clientCertificate: foreignCa.IssueClient("intruder")))
        {
            await Assert.ThrowsAnyAsync<HttpRequestException>(() => foreign.GetAsync("/api/firmware"));
        }

        using var device = Client(clientCertificate: X509Certificate2.CreateFromPemFile(cert, key));
        Assert.Equal(HttpStatusCode.OK, (await device.GetAsync("/api/firmware")).StatusCode);
    }

    [Fact]
    public void Serve_PlainHttpWithoutAllowHttp_IsUsage()
    {
        var error = new StringWriter();
        int exit = CliRunner.Run(["serve", "--data", _data, "--api-key", "k", "--urls", "http://127.0.0.1:0"], new StringWriter(), error);
        Assert.Equal(ExitCodes.Usage, exit);
        Assert.Contains("--allow-http", error.ToString());
        Assert.Equal(ExitCodes.Usage, CliRunner.Run(["serve", "--data", _data, "--api-key", "k"], new StringWriter(), new StringWriter()));
        Assert.Equal(ExitCodes.Usage, CliRunner.Run(["serve", "--data", _data, "--api-key", "k", "--urls", "https://127.0.0.1:0"], new StringWriter(), new StringWriter()));
        Assert.Equal(ExitCodes.Usage, CliRunner.Run(["serve", "--data", _data, "--api-key", "k", "--cert", _files.CertPath], new StringWriter(), new StringWriter()));
    }

    [Fact]
    public void CertsCreate_WritesACaAndAServerCertificateAndReusesTheCa()
    {
        var folder = Path.Combine(_files.Folder, "made");
        var output = new StringWriter();
        Assert.Equal(0, CliRunner.Run(["certs", "create", "--out", folder, "--name", "ota.example", "--client", "device-7", "--json"], output, new StringWriter()));
        var ca = X509Certificate2.CreateFromPem(File.ReadAllText(Path.Combine(folder, "ca.pem")));
        using var server = X509Certificate2.CreateFromPemFile(Path.Combine(folder, "server.pem"), Path.Combine(folder, "server.key"));
        Assert.True(server.HasPrivateKey);
        Assert.True(server.MatchesHostname("127.0.0.1"));
        Assert.True(server.MatchesHostname("localhost"));
        Assert.True(server.MatchesHostname("ota.example"));
        Assert.False(server.MatchesHostname("other.example"));
        Assert.Equal(ca.Subject, server.Issuer);
        Assert.True(File.Exists(Path.Combine(folder, "client.pem")));
        if (!OperatingSystem.IsWindows())
        {
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(Path.Combine(folder, "server.key")));
        }

        Assert.Equal(0, CliRunner.Run(["certs", "create", "--out", folder], new StringWriter(), new StringWriter()));
        Assert.Equal(ca.Thumbprint, X509Certificate2.CreateFromPem(File.ReadAllText(Path.Combine(folder, "ca.pem"))).Thumbprint);
        using var again = X509Certificate2.CreateFromPem(File.ReadAllText(Path.Combine(folder, "server.pem")));
        Assert.NotEqual(server.Thumbprint, again.Thumbprint);
    }
}
