using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

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
    public static WebApplication Create(string? urls, Action<EspOtaServerOptions> configure, LogLevel minimumLogLevel = LogLevel.Warning, Action<ILoggingBuilder>? logging = null)
    {
        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { Args = [] });
        if (urls is not null)
        {
            builder.WebHost.UseUrls(urls);
        }

        builder.Logging.SetMinimumLevel(minimumLogLevel);
        logging?.Invoke(builder.Logging);
        builder.Services.AddEspOtaServer(builder.Configuration, configure);
        var app = builder.Build();
        app.UseExceptionHandler();
        app.UseStatusCodePages();
        app.UseRateLimiter();
        app.MapEspOta();
        return app;
    }
}
