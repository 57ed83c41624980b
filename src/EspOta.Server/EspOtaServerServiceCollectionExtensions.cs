using EspOta.Server.Dashboard;
using EspOta.Server.Devices;
using EspOta.Server.Firmware;
using EspOta.Server.Rollouts;
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
        services.TryAddSingleton(TimeProvider.System);
        services.AddSingleton(sp =>
        {
            var options = sp.GetRequiredService<IOptions<EspOtaServerOptions>>().Value;
            Directory.CreateDirectory(options.DataDirectory);
            return OtaDatabaseFactory.Create(options);
        });
        services.AddSingleton(sp => new ImageFiles(Path.Combine(sp.GetRequiredService<IOptions<EspOtaServerOptions>>().Value.DataDirectory, "images")));

        // One store per feature, each over the shared OtaDatabase (docs/storage.md).
        services.AddSingleton<IFirmwareStore, FirmwareStore>();
        services.AddSingleton<IDeviceStore, DeviceStore>();
        services.AddSingleton<IRolloutStore, RolloutStore>();
        services.AddSingleton<RolloutService>();
        services.AddHostedService<RolloutTicker>();
        services.AddSingleton<DashboardAuth>();
        services.AddSingleton<FirmwareService>();
        services.AddHostedService<FirmwareStartup>();
        services.AddSingleton<ApiKeyEndpointFilter>();
        return services;
    }
}
