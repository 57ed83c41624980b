using System.Net;
using EspOta.Http;
using EspOta.Security;
using EspOta.Server.Tls;
using Microsoft.AspNetCore.Builder;

namespace EspOta.Server.Tests.Tls;

/// <summary>The device side's server verification (<see cref="HttpOtaTls"/>) against the real server on Kestrel.</summary>
public sealed class ClientTlsTests : IAsyncDisposable
{
    private const string ApiKey = "client-tls-key";

    private readonly List<(WebApplication App, TlsFiles Files)> _servers = [];
    private readonly string _data = Path.Combine(Path.GetTempPath(), "esp-ota-client-tls-" + Guid.NewGuid().ToString("N"));

    private async Task<(Uri Address, TlsFiles Files)> StartAsync(TlsFiles files, bool mutual = false)
    {
        var app = EspOtaServerHost.Create("https://127.0.0.1:0", o =>
        {
            o.DataDirectory = Path.Combine(_data, _servers.Count.ToString());
            o.ApiKey = ApiKey;
        }, new EspOtaTlsOptions { CertificatePath = files.CertPath, KeyPath = files.KeyPath, ClientCaPath = mutual ? files.CaPath : null });
        await app.StartAsync();
        _servers.Add((app, files));
        return (new Uri(app.Urls.Single()), files);
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var (app, files) in _servers)
        {
            await app.StopAsync();
            await app.DisposeAsync();
            files.Dispose();
        }

        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        if (Directory.Exists(_data))
        {
            Directory.Delete(_data, recursive: true);
        }
    }

    private static async Task<HttpStatusCode> GetAsync(Uri server, HttpOtaTlsOptions options)
    {
        using var client = HttpOtaTls.CreateClient(server, options);
        try
        {
            using var response = await client.GetAsync("/api/updates/check?device_id=d&chip=esp32&project=p&version=1");
            return response.StatusCode;
        }
        catch (HttpRequestException e) when (HttpOtaTls.AsTlsFailure(e, server) is { } tls)
        {
            throw tls;
        }
    }

    private static async Task<HttpOtaTlsException> RefusedAsync(Uri server, HttpOtaTlsOptions options)
    {
        var ex = await Assert.ThrowsAsync<HttpOtaTlsException>(() => GetAsync(server, options));
        return ex;
    }

    [Fact]
    public async Task CaCertPem_TrustedChain_Connects()
    {
        var (server, files) = await StartAsync(new TlsFiles());
        Assert.NotEqual(0, (int)await GetAsync(server, new HttpOtaTlsOptions { CertPem = File.ReadAllText(files.CaPath) }));
        Assert.NotEqual(0, (int)await GetAsync(server, new HttpOtaTlsOptions { CaBundlePem = File.ReadAllText(files.CaPath) }));
    }

    [Fact]
    public async Task PinnedServerCertificate_Connects()
    {
        var (server, files) = await StartAsync(new TlsFiles());
        Assert.NotEqual(0, (int)await GetAsync(server, new HttpOtaTlsOptions { CertPem = File.ReadAllText(files.CertPath) }));
    }

    [Fact]
    public async Task WrongCa_IsRefusedAsHttpConnect()
    {
        var (server, _) = await StartAsync(new TlsFiles());
        using var other = LocalCertificateAuthority.Create("another CA");
        var ex = await RefusedAsync(server, new HttpOtaTlsOptions { CertPem = LocalCertificateAuthority.CertificatePem(other.Certificate) });
        Assert.Equal(EspError.HttpConnect, ex.Code);
        Assert.Equal(HttpOtaTlsFailure.UntrustedCertificate, ex.Failure);
    }

    [Fact]
    public async Task NameMismatch_IsRefusedUnlessTheCheckIsSkippedOrTheNameGiven()
    {
        var (server, files) = await StartAsync(new TlsFiles(names: ["ota.example"]));
        var trust = new HttpOtaTlsOptions { CertPem = File.ReadAllText(files.CaPath) };
        var ex = await RefusedAsync(server, trust);
        Assert.Equal(EspError.HttpConnect, ex.Code);
        Assert.Equal(HttpOtaTlsFailure.NameMismatch, ex.Failure);
        Assert.NotEqual(0, (int)await GetAsync(server, trust with { SkipCommonNameCheck = true }));
        Assert.NotEqual(0, (int)await GetAsync(server, trust with { CommonName = "ota.example" }));
    }

    [Fact]
    public async Task ExpiredCertificate_IsRefused()
    {
        var (server, files) = await StartAsync(new TlsFiles(notBefore: DateTimeOffset.UtcNow.AddDays(-10), validity: TimeSpan.FromDays(1)));
        var ex = await RefusedAsync(server, new HttpOtaTlsOptions { CertPem = File.ReadAllText(files.CaPath) });
        Assert.Equal(EspError.HttpConnect, ex.Code);
        Assert.Equal(HttpOtaTlsFailure.Expired, ex.Failure);
    }

    [Fact]
    public void PlainHttp_IsRefusedUnlessAllowed()
    {
        var ex = Assert.Throws<HttpOtaTlsException>(() => HttpOtaTls.CreateClient(new Uri("http://127.0.0.1:1"), new HttpOtaTlsOptions()));
        Assert.Equal(EspError.InvalidArg, ex.Code);
        Assert.Equal(HttpOtaTlsFailure.NoServerVerification, ex.Failure);
        Assert.Throws<HttpOtaTlsException>(() => HttpOtaTls.CreateClient(new Uri("https://127.0.0.1:1"), new HttpOtaTlsOptions()));
        using var allowed = HttpOtaTls.CreateClient(new Uri("http://127.0.0.1:1"), new HttpOtaTlsOptions { AllowHttp = true });
        Assert.NotNull(allowed);
    }

    [Fact]
    public async Task MutualTls_ClientCertificateFromTheCa_ConnectsWithoutIsRefused()
    {
        var (server, files) = await StartAsync(new TlsFiles(), mutual: true);
        var trust = new HttpOtaTlsOptions { CertPem = File.ReadAllText(files.CaPath) };
        // Under TLS 1.3 the server asks for the certificate after the handshake and then drops the
        // connection: the client sees a closed connection, not a certificate error.
        var refused = await Assert.ThrowsAnyAsync<Exception>(() => GetAsync(server, trust));
        Assert.True(refused is HttpRequestException or HttpOtaTlsException, refused.ToString());
        var (cert, key) = files.IssueClient("device-42");
        Assert.NotEqual(0, (int)await GetAsync(server, trust with { ClientCertPem = File.ReadAllText(cert), ClientKeyPem = File.ReadAllText(key) }));
    }
}
