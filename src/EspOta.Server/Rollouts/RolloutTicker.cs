using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace EspOta.Server.Rollouts;

/// <summary>Evaluates the gates periodically, so a stage whose soak time ends advances even when no device reports.</summary>
internal sealed class RolloutTicker(RolloutService service, TimeProvider time, IOptions<EspOtaServerOptions> options, ILogger<RolloutTicker> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(options.Value.RolloutEvaluationInterval, time);
        try
        {
            while (await timer.WaitForNextTickAsync(stoppingToken).ConfigureAwait(false))
            {
                try
                {
                    await service.EvaluateAllAsync(stoppingToken).ConfigureAwait(false);
                }
                catch (Exception e) when (e is not OperationCanceledException)
                {
                    // A database hiccup must not end the ticker: the next tick tries again.
                    logger.LogWarning(e, "rollout gate evaluation failed");
                }
            }
        }
        catch (OperationCanceledException)
        {
        }
    }
}
