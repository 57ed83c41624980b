using Microsoft.Extensions.Hosting;

namespace EspOta.Server.Firmware;

/// <summary>
/// Creates the <see cref="FirmwareService"/> when the host starts rather than on the first upload, so
/// partial uploads left in <c>tmp/</c> by a previous run are removed at startup.
/// </summary>
internal sealed class FirmwareStartup(FirmwareService service) : IHostedService
{
    public Task StartAsync(CancellationToken cancellationToken)
    {
        GC.KeepAlive(service);
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
