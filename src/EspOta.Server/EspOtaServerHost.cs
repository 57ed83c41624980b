using Microsoft.AspNetCore.Builder;
using EspOta.Server.Tls;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace EspOta.Server;

/// <summary>A ready-to-run update server: Kestrel, <see cref="EspOtaServerServiceCollectionExtensions.AddEspOtaServer"/> and <see cref="EspOtaEndpointRouteBuilderExtensions.MapEspOta"/>.</summary>
public static class EspOtaServerHost
{
    /// <summary>
    /// Builds (without starting) a web application listening on <paramref name="urls"/> (e.g.
    /// <c>http://127.0.0.1:0</c> for a free port; <see cref="WebApplication.Urls"/> holds the bound
    /// addresses once started).
    /// </summary>
    public static WebApplication Create(string urls, Action<EspOtaServerOptions> configure, LogLevel minimumLogLevel = LogLevel.Warning) =>
        Create(urls, configure, tls: null, minimumLogLevel);

    /// <summary>
    /// As <see cref="Create(string, Action{EspOtaServerOptions}, LogLevel)"/>, with HTTPS for the
    /// <c>https://</c> addresses in <paramref name="urls"/> when <paramref name="tls"/> is given
    /// (TLS 1.2 and 1.3, the certificate reloaded when its files change, optional mutual TLS).
    /// </summary>
    public static WebApplication Create(string urls, Action<EspOtaServerOptions> configure, EspOtaTlsOptions? tls, LogLevel minimumLogLevel = LogLevel.Warning)
    {
        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { Args = [] });
        builder.WebHost.UseUrls(urls);
        if (tls is not null)
        {
            builder.WebHost.UseKestrelHttpsConfiguration();
            var certificate = new ReloadingCertificate(tls.CertificatePath, tls.KeyPath);
            builder.Services.AddSingleton(certificate);
            builder.WebHost.ConfigureKestrel(kestrel => KestrelTls.Configure(kestrel, certificate, tls));
        }

        builder.Logging.SetMinimumLevel(minimumLogLevel);
        builder.Services.AddEspOtaServer(configure);
        var app = builder.Build();
        app.UseExceptionHandler();
        app.UseStatusCodePages();
        app.MapEspOta();
        return app;
    }
}
