using EspOta.Server.Devices;
using EspOta.Server.Firmware;
using EspOta.Server.Updates;
using Microsoft.AspNetCore.Routing;

namespace EspOta.Server;

/// <summary>Maps the update server's endpoints.</summary>
public static class EspOtaEndpointRouteBuilderExtensions
{
    /// <summary>Maps the firmware repository, the device-facing update endpoints and the device endpoints.</summary>
    public static IEndpointRouteBuilder MapEspOta(this IEndpointRouteBuilder endpoints)
    {
        endpoints.MapFirmware();
        endpoints.MapUpdates();
        endpoints.MapStableDownloads();
        endpoints.MapDevices();
        return endpoints;
    }
}
