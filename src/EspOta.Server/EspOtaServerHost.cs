using Microsoft.AspNetCore.Builder;
using EspOta.Server.Tls;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Microsoft.AspNetCore.Server.Kestrel.Transport.Sockets;

namespace EspOta.Server;

/// <summary>A ready-to-run update server: Kestrel, <see cref="EspOtaServerServiceCollectionExtensions.AddEspOtaServer(IServiceCollection, Action{EspOtaServerOptions})"/> and <see cref="EspOtaEndpointRouteBuilderExtensions.MapEspOta"/>.</summary>
public static class EspOtaServerHost
{
    /// <summary>
    /// Builds (without starting) a web application listening on <paramref name="urls"/> (e.g.
    /// <c>http://127.0.0.1:0</c> for a free port; <see cref="WebApplication.Urls"/> holds the bound
    /// addresses once started). Options bind from the <c>EspOta</c> section of appsettings.json and
    /// environment variables (<c>EspOta__ConnectionString</c>), then <paramref name="configure"/> applies.
    /// A null <paramref name="urls"/> leaves the addresses to ASP.NET Core (<c>ASPNETCORE_URLS</c>, <c>urls</c> in configuration).
    /// </summary>
    public static WebApplication Create(string? urls, Action<EspOtaServerOptions> configure, LogLevel minimumLogLevel = LogLevel.Warning, Action<ILoggingBuilder>? logging = null) =>
        Create(urls, configure, tls: null, minimumLogLevel, logging);

    /// <summary>
    /// As <see cref="Create(string?, Action{EspOtaServerOptions}, LogLevel, Action{ILoggingBuilder}?)"/>, with HTTPS for the
    /// <c>https://</c> addresses in <paramref name="urls"/> when <paramref name="tls"/> is given
    /// (TLS 1.2 and 1.3, the certificate reloaded when its files change, optional mutual TLS).
    /// </summary>
    public static WebApplication Create(string? urls, Action<EspOtaServerOptions> configure, EspOtaTlsOptions? tls, LogLevel minimumLogLevel = LogLevel.Warning, Action<ILoggingBuilder>? logging = null)
    {
        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { Args = [] });
        if (urls is not null)
        {
            builder.WebHost.UseUrls(urls);
        }

        if (tls is not null)
        {
            builder.WebHost.UseKestrelHttpsConfiguration();
            var certificate = new ReloadingCertificate(tls.CertificatePath, tls.KeyPath);
            builder.Services.AddSingleton(certificate);
            builder.WebHost.ConfigureKestrel(kestrel => KestrelTls.Configure(kestrel, certificate, tls));
        }

        builder.Logging.SetMinimumLevel(minimumLogLevel);
        logging?.Invoke(builder.Logging);
        builder.Services.AddEspOtaServer(builder.Configuration, configure);

        // Read when Kestrel starts, after the options are bound: appsettings, environment and configure alike.
        builder.Services.AddOptions<SocketTransportOptions>()
            .Configure<IOptions<EspOtaServerOptions>>((socket, options) => socket.UnsafePreferInlineScheduling = options.Value.InlineSocketScheduling);
        var app = builder.Build();
        app.UseExceptionHandler();
        app.UseStatusCodePages();
        app.UseRateLimiter();
        app.MapEspOta();
        return app;
    }
}
