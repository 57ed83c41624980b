using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Headers;
using System.Text.Json;
using EspOta.Flash;
using EspOta.Http;
using EspOta.Simulation;
using EspOta.Images;

namespace EspOta.Benchmarks.Http;

/// <summary>
/// A bounded load run: one update server (the real <c>esp-ota serve</c>, in its own process so that its
/// memory is its own) and N simulated devices at once, each updating from a small v1 to a 1.5 MiB v2
/// over HTTP into its own emulated flash. Reports total time, throughput, the server's peak resident
/// memory and the latency of the update check.
/// </summary>
/// <remarks>dotnet run -c Release --project bench/EspOta.Benchmarks -- fleet [devices] [image bytes]</remarks>
internal static class FleetLoadRun
{
    private const string Project = "fleet-bench";

    public static async Task<int> RunAsync(string[] args)
    {
        int devices = args.Length > 0 ? int.Parse(args[0], CultureInfo.InvariantCulture) : 200;
        int imageTarget = args.Length > 1 ? int.Parse(args[1], CultureInfo.InvariantCulture) : 1536 * 1024;
        var v1 = new AppImageBuilder(Chip.Esp32).WithProject(Project).WithVersion("1.0.0").WithPayload(16 * 1024).Build();
        var probe = new AppImageBuilder(Chip.Esp32).WithProject(Project).WithVersion("2.0.0").Build();
        var v2 = new AppImageBuilder(Chip.Esp32).WithProject(Project).WithVersion("2.0.0").WithPayload(imageTarget - probe.Length, 7).Build();
        var flashImage = SimulatedDeviceFlash.Build(v1, v2.Length);

        await using var server = LoadRunServer.Start("fleet");
        var baseAddress = server.BaseAddress;
        await server.UploadAsync(v2);

        var timer = new CheckTimer(new SocketsHttpHandler { MaxConnectionsPerServer = int.MaxValue });
        using var http = new HttpClient(timer) { BaseAddress = baseAddress, Timeout = Timeout.InfiniteTimeSpan };
        var client = new HttpOtaClient(http, new HttpOtaClientOptions { RequestTimeout = TimeSpan.FromSeconds(120) });
        var fleet = Enumerable.Range(0, devices)
            .Select(i => new SimulatedDevice($"bench-{i:d4}", Chip.Esp32, MemoryFlash.FromImage(flashImage), client))
            .ToArray();
        long serverBaseline = server.PeakResidentBytes();

        var clock = Stopwatch.StartNew();
        var results = await Task.WhenAll(fleet.Select(d => Task.Run(() => d.RunCycleAsync())));
        clock.Stop();

        long serverPeak = server.PeakResidentBytes();
        long bytes = results.Sum(r => r.Install?.BytesDownloaded ?? 0);
        var checks = timer.CheckLatencies.Order().ToArray();
        var outcomes = results.GroupBy(r => r.Outcome).ToDictionary(g => g.Key.ToString(), g => g.Count());
        var report = new
        {
            devices,
            image_bytes = v2.Length,
            seconds = Math.Round(clock.Elapsed.TotalSeconds, 3),
            megabytes = Math.Round(bytes / 1e6, 1),
            megabytes_per_second = Math.Round(bytes / 1e6 / clock.Elapsed.TotalSeconds, 1),
            server_peak_rss_mib = Math.Round(serverPeak / 1048576.0, 1),
            server_rss_before_mib = Math.Round(serverBaseline / 1048576.0, 1),
            check_p50_ms = Math.Round(Percentile(checks, 0.50), 2),
            check_p99_ms = Math.Round(Percentile(checks, 0.99), 2),
            check_max_ms = Math.Round(checks.LastOrDefault(), 2),
            requests = timer.Requests,
            outcomes,
            first_error = results.FirstOrDefault(r => r.Error is not null)?.Error?.Message,
        };
        Console.WriteLine(JsonSerializer.Serialize(report, new JsonSerializerOptions { WriteIndented = true }));
        return outcomes.Keys.All(k => k == nameof(DeviceCycleOutcome.Updated)) ? 0 : 1;
    }

    internal static double Percentile(double[] sorted, double p) =>
        sorted.Length == 0 ? double.NaN : sorted[Math.Clamp((int)Math.Ceiling(p * sorted.Length) - 1, 0, sorted.Length - 1)];

    /// <summary>Times the update-check requests.</summary>
    private sealed class CheckTimer(HttpMessageHandler inner) : DelegatingHandler(inner)
    {
        private readonly System.Collections.Concurrent.ConcurrentBag<double> _checks = [];
        private int _requests;

        public IEnumerable<double> CheckLatencies => _checks;

        public int Requests => _requests;

        protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            Interlocked.Increment(ref _requests);
            long start = Stopwatch.GetTimestamp();
            var response = await base.SendAsync(request, cancellationToken);
            if (request.RequestUri?.AbsolutePath.EndsWith("/api/updates/check", StringComparison.Ordinal) == true)
            {
                _checks.Add(Stopwatch.GetElapsedTime(start).TotalMilliseconds);
            }

            return response;
        }
    }
}
