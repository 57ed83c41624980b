using EspOta.Server.Devices;
using EspOta.Server.Firmware;
using EspOta.Server.Security;
using EspOta.Server.Storage;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace EspOta.Server;

/// <summary>Registers the update server's services.</summary>
public static class EspOtaServerServiceCollectionExtensions
{
    /// <summary>Adds the firmware repository, the device store and ProblemDetails; <paramref name="configure"/> must set the data folder and API key.</summary>
    public static IServiceCollection AddEspOtaServer(this IServiceCollection services, Action<EspOtaServerOptions> configure)
    {
        ArgumentNullException.ThrowIfNull(configure);
        services.AddOptions<EspOtaServerOptions>()
            .Configure(configure)
            .Validate(o =>
            {
                o.Validate();
                return true;
            })
            .ValidateOnStart();
        services.AddProblemDetails();
        services.ConfigureHttpJsonOptions(o => o.SerializerOptions.TypeInfoResolverChain.Insert(0, ServerJsonContext.Default));
        services.TryAddSingleton(TimeProvider.System);
        services.AddSingleton(sp =>
        {
            var options = sp.GetRequiredService<IOptions<EspOtaServerOptions>>().Value;
            Directory.CreateDirectory(options.DataDirectory);
            return new OtaDatabase(Path.Combine(options.DataDirectory, "esp-ota.db"));
        });
        services.AddSingleton(sp =>
        {
            var options = sp.GetRequiredService<IOptions<EspOtaServerOptions>>().Value;
            var images = Path.Combine(options.DataDirectory, "images");
            Directory.CreateDirectory(images);
            return new FirmwareStore(sp.GetRequiredService<OtaDatabase>(), images);
        });
        services.AddSingleton<FirmwareService>();
        services.AddHostedService<FirmwareStartup>();
        services.AddSingleton<DeviceStore>();
        services.TryAddSingleton<Updates.CurrentReleaseService>();
        services.AddSingleton<ApiKeyEndpointFilter>();
        return services;
    }
}
