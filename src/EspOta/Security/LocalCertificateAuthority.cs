using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace EspOta.Security;

/// <summary>
/// A local certificate authority for HTTPS demos and tests (what one does with <c>openssl req</c>
/// for the <c>esp_https_ota</c> examples' <c>ca_cert.pem</c>): a self-signed CA that issues server
/// certificates for 127.0.0.1/localhost/a name and client certificates for mutual TLS. Keys are
/// ECDSA P-256, which mbedTLS on the chip verifies as well as RSA and handshakes faster.
/// </summary>
public sealed class LocalCertificateAuthority : IDisposable
{
    private readonly ECDsa _key;

    private LocalCertificateAuthority(X509Certificate2 certificate, ECDsa key)
    {
        Certificate = certificate;
        _key = key;
    }

    /// <summary>The CA certificate (public; what a device pins or trusts as its CA bundle).</summary>
    public X509Certificate2 Certificate { get; }

    /// <summary>Creates a new self-signed CA valid from <paramref name="notBefore"/> for <paramref name="validity"/>.</summary>
    public static LocalCertificateAuthority Create(string commonName = "EspOta local CA", DateTimeOffset? notBefore = null, TimeSpan? validity = null)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(commonName);
        var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest(new X500DistinguishedName($"CN={Escape(commonName)}"), key, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, true, 1, true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign | X509KeyUsageFlags.DigitalSignature, true));
        request.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(request.PublicKey, false));
        var (from, to) = Window(notBefore, validity ?? TimeSpan.FromDays(3650));
        var certificate = request.CreateSelfSigned(from, to);
        return new LocalCertificateAuthority(X509Certificate2.CreateFromPem(certificate.ExportCertificatePem()), key);
    }

    /// <summary>Loads a CA from its PEM certificate and unencrypted PEM private key.</summary>
    /// <exception cref="CryptographicException">The files are not a matching ECDSA certificate and key.</exception>
    public static LocalCertificateAuthority Load(string certificatePemPath, string keyPemPath)
    {
        var certificate = X509Certificate2.CreateFromPem(File.ReadAllText(certificatePemPath));
        var key = ECDsa.Create();
        key.ImportFromPem(File.ReadAllText(keyPemPath));
        using var check = certificate.CopyWithPrivateKey(key);
        return new LocalCertificateAuthority(certificate, key);
    }

    /// <summary>
    /// Issues a TLS server certificate whose subject alternative names are <paramref name="names"/>
    /// (IP addresses become IP SANs, everything else DNS SANs; the first is also the CN, which is
    /// what <c>esp_http_client</c>'s common-name check compares with the host).
    /// </summary>
    public X509Certificate2 IssueServer(IReadOnlyList<string> names, DateTimeOffset? notBefore = null, TimeSpan? validity = null)
    {
        if (names.Count == 0)
        {
            throw new ArgumentException("a server certificate needs at least one name", nameof(names));
        }

        var san = new SubjectAlternativeNameBuilder();
        foreach (var name in names)
        {
            if (IPAddress.TryParse(name, out var ip))
            {
                san.AddIpAddress(ip);
            }
            else
            {
                san.AddDnsName(name);
            }
        }

        return Issue(names[0], san.Build(), new OidCollection { new Oid("1.3.6.1.5.5.7.3.1") }, notBefore, validity ?? TimeSpan.FromDays(825));
    }

    /// <summary>Issues a TLS client certificate (mutual TLS, <c>client_cert_pem</c> / <c>client_key_pem</c> on the device).</summary>
    public X509Certificate2 IssueClient(string commonName, DateTimeOffset? notBefore = null, TimeSpan? validity = null) =>
        Issue(commonName, null, new OidCollection { new Oid("1.3.6.1.5.5.7.3.2") }, notBefore, validity ?? TimeSpan.FromDays(825));

    /// <summary>The CA's private key as an unencrypted PKCS#8 PEM.</summary>
    public string ExportKeyPem() => _key.ExportPkcs8PrivateKeyPem() + "\n";

    /// <summary>A certificate as PEM.</summary>
    public static string CertificatePem(X509Certificate2 certificate) => certificate.ExportCertificatePem() + "\n";

    /// <summary>The private key of an issued certificate as an unencrypted PKCS#8 PEM.</summary>
    public static string KeyPem(X509Certificate2 certificate) =>
        (certificate.GetECDsaPrivateKey() ?? throw new ArgumentException("the certificate has no ECDSA private key", nameof(certificate))).ExportPkcs8PrivateKeyPem() + "\n";

    private X509Certificate2 Issue(string commonName, X509Extension? san, OidCollection usages, DateTimeOffset? notBefore, TimeSpan validity)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest(new X500DistinguishedName($"CN={Escape(commonName)}"), key, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(false, false, 0, true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.DigitalSignature | X509KeyUsageFlags.KeyAgreement, true));
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension(usages, false));
        request.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(request.PublicKey, false));
        request.CertificateExtensions.Add(X509AuthorityKeyIdentifierExtension.CreateFromCertificate(Certificate, true, false));
        if (san is not null)
        {
            request.CertificateExtensions.Add(san);
        }

        var (from, to) = Window(notBefore, validity);
        if (to > Certificate.NotAfter)
        {
            to = Certificate.NotAfter;
        }

        if (from < Certificate.NotBefore)
        {
            from = Certificate.NotBefore;
        }

        using var signer = Certificate.CopyWithPrivateKey(_key);
        using var issued = request.Create(signer, from, to, RandomNumberGenerator.GetBytes(16));
        using var withKey = issued.CopyWithPrivateKey(key);

        // Round trip through PEM so the result owns an exportable key on every platform.
        return X509Certificate2.CreateFromPem(withKey.ExportCertificatePem(), key.ExportPkcs8PrivateKeyPem());
    }

    private static (DateTimeOffset From, DateTimeOffset To) Window(DateTimeOffset? notBefore, TimeSpan validity)
    {
        // A minute back so that a certificate made now is valid on a machine whose clock is a little behind.
        var from = (notBefore ?? DateTimeOffset.UtcNow.AddMinutes(-1)).ToUniversalTime();
        from = new DateTimeOffset(from.Year, from.Month, from.Day, from.Hour, from.Minute, from.Second, TimeSpan.Zero);
        return (from, from + validity);
    }

    private static string Escape(string value) => value.Replace("\\", "\\\\").Replace(",", "\\,").Replace("=", "\\=").Replace("+", "\\+");

    /// <inheritdoc />
    public void Dispose()
    {
        _key.Dispose();
        Certificate.Dispose();
    }
}
