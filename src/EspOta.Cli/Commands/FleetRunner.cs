using EspOta.Http;
using EspOta.Simulation;

namespace EspOta.Cli.Commands;

/// <summary>Runs one cycle on each of many devices, at most <c>parallel</c> at a time.</summary>
internal static class FleetRunner
{
    public static async Task<DeviceCycleResult[]> RunAsync(int count, int parallel, Func<int, SimulatedDevice> create, CancellationToken cancellationToken)
    {
        var results = new DeviceCycleResult[count];
        using var gate = new SemaphoreSlim(parallel);
        var tasks = Enumerable.Range(0, count).Select(async i =>
        {
            await gate.WaitAsync(cancellationToken).ConfigureAwait(false);
            try
            {
                // Each device gets its own flash only while it runs, so memory follows the concurrency.
                results[i] = await Task.Run(() => create(i).RunCycleAsync(cancellationToken), cancellationToken).ConfigureAwait(false);
            }
            catch (Exception e) when (e is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
            {
                // One broken device is one failed result, never the end of the fleet run.
                results[i] = new DeviceCycleResult(DeviceCycleOutcome.Failed, null, null, e, null);
            }
            finally
            {
                gate.Release();
            }
        });
        await Task.WhenAll(tasks).ConfigureAwait(false);
        return results;
    }
}
