using System.Security.Cryptography.X509Certificates;
using EspOta.Security;

namespace EspOta.Server.Tests.Tls;

/// <summary>A temp folder with a local CA and a server certificate for 127.0.0.1/localhost as PEM files.</summary>
public sealed class TlsFiles : IDisposable
{
    public TlsFiles(IReadOnlyList<string>? names = null, DateTimeOffset? notBefore = null, TimeSpan? validity = null)
    {
        Folder = Directory.CreateTempSubdirectory("esp-ota-tls-").FullName;
        // Backdated so that certificates already expired can be issued under it.
        Ca = LocalCertificateAuthority.Create(notBefore: DateTimeOffset.UtcNow.AddDays(-60));
        File.WriteAllText(CaPath, LocalCertificateAuthority.CertificatePem(Ca.Certificate));
        IssueServer(names ?? ["127.0.0.1", "localhost"], notBefore, validity);
    }

    public string Folder { get; }

    public LocalCertificateAuthority Ca { get; }

    public X509Certificate2 Server { get; private set; } = null!;

    public string CaPath => Path.Combine(Folder, "ca.pem");

    public string CertPath => Path.Combine(Folder, "server.pem");

    public string KeyPath => Path.Combine(Folder, "server.key");

    /// <summary>Issues a (new) server certificate into server.pem / server.key.</summary>
    public X509Certificate2 IssueServer(IReadOnlyList<string> names, DateTimeOffset? notBefore = null, TimeSpan? validity = null)
    {
        Server = Ca.IssueServer(names, notBefore, validity);
        File.WriteAllText(KeyPath, LocalCertificateAuthority.KeyPem(Server));
        File.WriteAllText(CertPath, LocalCertificateAuthority.CertificatePem(Server));
        return Server;
    }

    /// <summary>A client certificate from this CA, written as client.pem / client.key; returns the paths.</summary>
    public (string Cert, string Key) IssueClient(string name)
    {
        using var client = Ca.IssueClient(name);
        var cert = Path.Combine(Folder, "client.pem");
        var key = Path.Combine(Folder, "client.key");
        File.WriteAllText(cert, LocalCertificateAuthority.CertificatePem(client));
        File.WriteAllText(key, LocalCertificateAuthority.KeyPem(client));
        return (cert, key);
    }

    public void Dispose()
    {
        Ca.Dispose();
        Directory.Delete(Folder, recursive: true);
    }
}
