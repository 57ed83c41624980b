using EspOta.Server.Firmware;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace EspOta.Server.Delta;

/// <summary>Registers delta OTA (patch store beside the images, background patch maker).</summary>
public static class DeltaServiceCollectionExtensions
{
    /// <summary>Adds the patch store under <c>&lt;data&gt;/patches</c> and the background service.</summary>
    public static IServiceCollection AddEspOtaDelta(this IServiceCollection services)
    {
        services.AddOptions<DeltaPatchOptions>();
        services.AddSingleton(sp =>
        {
            var options = sp.GetRequiredService<IOptions<EspOtaServerOptions>>().Value;
            return new DeltaPatchStore(Path.Combine(options.DataDirectory, "patches"));
        });
        services.AddSingleton<DeltaPatchService>();
        services.AddHostedService(sp => sp.GetRequiredService<DeltaPatchService>());
        return services;
    }

    /// <summary>Queues patch creation for a freshly stored image (no-op when delta OTA is not registered).</summary>
    internal static void QueuePatches(IServiceProvider services, FirmwareRecord record) =>
        services.GetService<DeltaPatchService>()?.Enqueue(record.Sha256);
}
