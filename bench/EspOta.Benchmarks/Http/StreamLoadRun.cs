using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Headers;
using System.Text.Json;
using EspOta.Images;

namespace EspOta.Benchmarks.Http;

/// <summary>
/// A bounded load run of the download endpoint alone: N loopback clients at once each fetch the same
/// 1.5 MiB image R times (whole-body GETs, bodies drained into a reused buffer) from one
/// <c>esp-ota serve</c> process. Reports the bytes per second the server streams and its peak resident
/// memory, so that runs with different N show whether memory grows with the number of devices.
/// </summary>
/// <remarks>
/// dotnet run -c Release --project bench/EspOta.Benchmarks -- stream [clients] [rounds] [image bytes] [--tls|--both]
/// (<c>--tls</c>: the server on HTTPS with a generated certificate, clients verifying it as devices do;
/// <c>--both</c>: plain HTTP, then TLS, then their ratio).
/// </remarks>
internal static class StreamLoadRun
{
    public static async Task<int> RunAsync(string[] allArgs)
    {
        bool both = allArgs.Contains("--both");
        bool tls = allArgs.Contains("--tls");
        string[] args = [.. allArgs.Where(a => !a.StartsWith("--", StringComparison.Ordinal))];
        if (!both)
        {
            var single = await RunOnceAsync(args, tls);
            Console.WriteLine(JsonSerializer.Serialize(single, new JsonSerializerOptions { WriteIndented = true, PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower }));
            return 0;
        }

        var plain = await RunOnceAsync(args, tls: false);
        var secure = await RunOnceAsync(args, tls: true);
        Console.WriteLine(JsonSerializer.Serialize(new
        {
            http = plain,
            https = secure,
            https_to_http_throughput = Math.Round(secure.MegabytesPerSecond / plain.MegabytesPerSecond, 2),
            https_to_http_peak_rss = Math.Round(secure.ServerPeakRssMib / plain.ServerPeakRssMib, 2),
        }, new JsonSerializerOptions { WriteIndented = true, PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower }));
        return 0;
    }

    private sealed record Report(
        string Transport, int Clients, int Rounds, int ImageBytes, double Seconds, double Megabytes, double MegabytesPerSecond,
        double ServerRssBeforeMib, double ServerPeakRssMib, double DownloadP50Ms, double DownloadP99Ms);

    private static async Task<Report> RunOnceAsync(string[] args, bool tls)
    {
        int clients = args.Length > 0 ? int.Parse(args[0], CultureInfo.InvariantCulture) : 200;
        int rounds = args.Length > 1 ? int.Parse(args[1], CultureInfo.InvariantCulture) : 10;
        int imageTarget = args.Length > 2 ? int.Parse(args[2], CultureInfo.InvariantCulture) : 1536 * 1024;
        var probe = new AppImageBuilder(Chip.Esp32).WithProject("stream-bench").WithVersion("1.0.0").Build();
        var image = new AppImageBuilder(Chip.Esp32).WithProject("stream-bench").WithVersion("1.0.0")
            .WithPayload(imageTarget - probe.Length, 11).Build();
        string sha = Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(image));

        await using var server = LoadRunServer.Start("stream", tls);
        await server.UploadAsync(image);

        using var http = server.CreateDeviceClient();
        string path = $"api/updates/firmware/{sha}";
        long rssBefore = server.PeakResidentBytes();
        var latencies = new System.Collections.Concurrent.ConcurrentBag<double>();

        var clock = Stopwatch.StartNew();
        long[] perClient = await Task.WhenAll(Enumerable.Range(0, clients).Select(_ => Task.Run(async () =>
        {
            var buffer = new byte[64 * 1024];
            long total = 0;
            for (int r = 0; r < rounds; r++)
            {
                long start = Stopwatch.GetTimestamp();
                using var response = await http.GetAsync(path, HttpCompletionOption.ResponseHeadersRead);
                response.EnsureSuccessStatusCode();
                await using var body = await response.Content.ReadAsStreamAsync();
                long got = 0;
                for (int n; (n = await body.ReadAsync(buffer)) > 0;)
                {
                    got += n;
                }

                if (got != image.Length)
                {
                    throw new InvalidOperationException($"short body: {got} of {image.Length} bytes");
                }

                total += got;
                latencies.Add(Stopwatch.GetElapsedTime(start).TotalMilliseconds);
            }

            return total;
        })));
        clock.Stop();

        long bytes = perClient.Sum();
        var sorted = latencies.Order().ToArray();
        return new Report(
            tls ? "https" : "http",
            clients,
            rounds,
            image.Length,
            Math.Round(clock.Elapsed.TotalSeconds, 3),
            Math.Round(bytes / 1e6, 1),
            Math.Round(bytes / 1e6 / clock.Elapsed.TotalSeconds, 1),
            Math.Round(rssBefore / 1048576.0, 1),
            Math.Round(server.PeakResidentBytes() / 1048576.0, 1),
            Math.Round(FleetLoadRun.Percentile(sorted, 0.50), 1),
            Math.Round(FleetLoadRun.Percentile(sorted, 0.99), 1));
    }
}
