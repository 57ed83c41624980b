using System.Security.Authentication;
using System.Security.Cryptography.X509Certificates;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.AspNetCore.Server.Kestrel.Https;

namespace EspOta.Server.Tls;

/// <summary>Applies <see cref="EspOtaTlsOptions"/> to Kestrel's HTTPS defaults.</summary>
internal static class KestrelTls
{
    public static void Configure(KestrelServerOptions kestrel, ReloadingCertificate certificate, EspOtaTlsOptions options)
    {
        X509Certificate2Collection? clientRoots = null;
        if (options.ClientCaPath is string ca)
        {
            clientRoots = [];
            clientRoots.ImportFromPemFile(ca);
            if (clientRoots.Count == 0)
            {
                throw new InvalidOperationException($"{ca}: no certificate in the client CA file");
            }
        }

        kestrel.ConfigureHttpsDefaults(https =>
        {
            https.SslProtocols = SslProtocols.Tls12 | SslProtocols.Tls13;
            https.ServerCertificateSelector = (_, _) => certificate.Current;
            if (clientRoots is not null)
            {
                https.ClientCertificateMode = ClientCertificateMode.RequireCertificate;
                https.ClientCertificateValidation = (client, _, _) => IsIssuedBy(client, clientRoots);
            }
        });
    }

    private static bool IsIssuedBy(X509Certificate2 client, X509Certificate2Collection roots)
    {
        using var chain = new X509Chain();
        chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        chain.ChainPolicy.CustomTrustStore.AddRange(roots);
        chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        chain.ChainPolicy.ApplicationPolicy.Add(new System.Security.Cryptography.Oid("1.3.6.1.5.5.7.3.2"));
        return chain.Build(client);
    }

}
