using EspOta.Server.Dashboard;
using EspOta.Server.Delta;
using EspOta.Server.Devices;
using EspOta.Server.Encryption;
using EspOta.Server.Firmware;
using EspOta.Server.Rollouts;
using EspOta.Server.Operations;
using EspOta.Server.Signing;
using EspOta.Server.Updates;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Routing;

namespace EspOta.Server;

/// <summary>Maps the update server's endpoints.</summary>
public static class EspOtaEndpointRouteBuilderExtensions
{
    /// <summary>Maps the firmware repository, the device-facing update endpoints, the device endpoints, the operator endpoints and <c>/openapi/v1.json</c>.</summary>
    public static IEndpointRouteBuilder MapEspOta(this IEndpointRouteBuilder endpoints)
    {
        endpoints.MapFirmware();
        endpoints.MapUpdates();
        endpoints.MapStableDownloads();
        endpoints.MapDevices();
        endpoints.MapRollouts();
        endpoints.MapSigning();
        endpoints.MapDashboard();
        endpoints.MapOperations();
        endpoints.MapOpenApi();
        endpoints.MapDelta();
        endpoints.MapEncryptionKeys();
        return endpoints;
    }
}
