using Microsoft.AspNetCore.Builder;
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
    public static WebApplication Create(string urls, Action<EspOtaServerOptions> configure, LogLevel minimumLogLevel = LogLevel.Warning)
    {
        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { Args = [] });
        builder.WebHost.UseUrls(urls);
        builder.Logging.SetMinimumLevel(minimumLogLevel);
        builder.Services.AddEspOtaServer(configure);
        var app = builder.Build();
        app.UseExceptionHandler();
        app.UseStatusCodePages();
        app.MapEspOta();
        return app;
    }
}
