using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text;
using EspOta.Flash;
using EspOta.Http;
using EspOta.Images;

namespace EspOta.Simulation;

/// <summary>
/// Many <see cref="SimulatedDevice"/>s that keep polling the update server, each after its own
/// jittered interval, and whose self-test of a newly installed app fails at a configurable rate — the
/// way a staged rollout meets a real fleet. Whether a device fails a given version is decided by a
/// hash of (seed, device id, version), so a run can be replayed and a device that failed a version
/// fails it again.
/// </summary>
public sealed class SimulatedFleet
{
    private readonly SimulatedDevice[] _devices;
    private readonly SimulatedFleetOptions _options;

    /// <summary>
    /// Creates <see cref="SimulatedFleetOptions.Count"/> devices, each with its own flash holding
    /// <paramref name="factoryImage"/>: copy-on-write over one shared base image, so a device costs
    /// the sectors it writes, not a whole chip.
    /// </summary>
    public SimulatedFleet(ReadOnlySpan<byte> factoryImage, HttpOtaClient client, SimulatedFleetOptions options)
    {
        ArgumentNullException.ThrowIfNull(client);
        ArgumentNullException.ThrowIfNull(options);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(options.Count);
        _options = options;
        var flashImage = new FlashBaseImage(SimulatedDeviceFlash.Build(factoryImage, options.SlotSize));
        _devices = new SimulatedDevice[options.Count];
        for (int i = 0; i < options.Count; i++)
        {
            string id = $"{options.IdPrefix}{i:d4}";
            _devices[i] = new SimulatedDevice(id, options.Chip, new CopyOnWriteFlash(flashImage), client, new SimulatedDeviceOptions
            {
                SelfTest = app => Fails(id, app) ? SelfTestOutcome.Fail : SelfTestOutcome.Pass,
            });
        }
    }

    /// <summary>The devices.</summary>
    public IReadOnlyList<SimulatedDevice> Devices => _devices;

    /// <summary>Whether the device's self-test of <paramref name="app"/> fails.</summary>
    public bool Fails(string deviceId, AppDescription app)
    {
        double rate = _options.SelfTestFailureRate(app);
        if (rate <= 0)
        {
            return false;
        }

        Span<byte> hash = stackalloc byte[32];
        SHA256.HashData(Encoding.UTF8.GetBytes($"{_options.Seed}\0{deviceId}\0{app.Version}"), hash);
        return BinaryPrimitives.ReadUInt64BigEndian(hash) / (double)ulong.MaxValue < rate;
    }

    /// <summary>
    /// Runs every device for <paramref name="rounds"/> cycles (or until <paramref name="until"/> says
    /// stop, checked after each cycle), each cycle after the poll interval ± jitter, at most
    /// <see cref="SimulatedFleetOptions.Concurrency"/> cycles at once. A failing cycle is a result,
    /// never the end of the run.
    /// </summary>
    public async Task<IReadOnlyList<DeviceCycleResult>> RunAsync(int rounds, Func<bool>? until = null, CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(rounds);
        var results = new List<DeviceCycleResult>();
        var random = new Random(_options.Seed);
        var delays = _devices.Select(_ => random.NextDouble()).ToArray();
        using var gate = new SemaphoreSlim(Math.Max(1, _options.Concurrency));
        var stop = new CancellationTokenSource();
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, stop.Token);
        var tasks = _devices.Select(async (device, index) =>
        {
            var jitter = new Random(HashCode.Combine(_options.Seed, index));
            // Spread the first checks over one interval, as devices booting at different times would.
            await Delay(_options.PollInterval * delays[index], linked.Token).ConfigureAwait(false);
            for (int round = 0; round < rounds && !linked.IsCancellationRequested; round++)
            {
                DeviceCycleResult result;
                await gate.WaitAsync(linked.Token).ConfigureAwait(false);
                try
                {
                    result = await Task.Run(() => device.RunCycleAsync(linked.Token), linked.Token).ConfigureAwait(false);
                }
                catch (Exception e) when (e is not OperationCanceledException)
                {
                    result = new DeviceCycleResult(DeviceCycleOutcome.Failed, null, null, e, null);
                }
                finally
                {
                    gate.Release();
                }

                lock (results)
                {
                    results.Add(result);
                }

                if (until?.Invoke() == true)
                {
                    await stop.CancelAsync().ConfigureAwait(false);
                    break;
                }

                double factor = 1 + _options.Jitter * (2 * jitter.NextDouble() - 1);
                await Delay(_options.PollInterval * factor, linked.Token).ConfigureAwait(false);
            }
        }).ToArray();
        try
        {
            await Task.WhenAll(tasks).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            // Stopped by the until condition.
        }

        stop.Dispose();
        return results;
    }

    private static async Task Delay(TimeSpan delay, CancellationToken cancellationToken)
    {
        if (delay > TimeSpan.Zero)
        {
            try
            {
                await Task.Delay(delay, cancellationToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
            }
        }
    }
}
