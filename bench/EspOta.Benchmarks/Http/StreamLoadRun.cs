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
/// <remarks>dotnet run -c Release --project bench/EspOta.Benchmarks -- stream [clients] [rounds] [image bytes]</remarks>
internal static class StreamLoadRun
{
    public static async Task<int> RunAsync(string[] args)
    {
        int clients = args.Length > 0 ? int.Parse(args[0], CultureInfo.InvariantCulture) : 200;
        int rounds = args.Length > 1 ? int.Parse(args[1], CultureInfo.InvariantCulture) : 10;
        int imageTarget = args.Length > 2 ? int.Parse(args[2], CultureInfo.InvariantCulture) : 1536 * 1024;
        var probe = new AppImageBuilder(Chip.Esp32).WithProject("stream-bench").WithVersion("1.0.0").Build();
        var image = new AppImageBuilder(Chip.Esp32).WithProject("stream-bench").WithVersion("1.0.0")
            .WithPayload(imageTarget - probe.Length, 11).Build();
        string sha = Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(image));

        await using var server = LoadRunServer.Start("stream");
        var baseAddress = server.BaseAddress;
        await server.UploadAsync(image);

        using var http = new HttpClient(new SocketsHttpHandler { MaxConnectionsPerServer = int.MaxValue })
        {
            BaseAddress = baseAddress,
            Timeout = TimeSpan.FromMinutes(5),
        };
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
        var report = new
        {
            clients,
            rounds,
            image_bytes = image.Length,
            seconds = Math.Round(clock.Elapsed.TotalSeconds, 3),
            megabytes = Math.Round(bytes / 1e6, 1),
            megabytes_per_second = Math.Round(bytes / 1e6 / clock.Elapsed.TotalSeconds, 1),
            server_rss_before_mib = Math.Round(rssBefore / 1048576.0, 1),
            server_peak_rss_mib = Math.Round(server.PeakResidentBytes() / 1048576.0, 1),
            download_p50_ms = Math.Round(FleetLoadRun.Percentile(sorted, 0.50), 1),
            download_p99_ms = Math.Round(FleetLoadRun.Percentile(sorted, 0.99), 1),
        };
        Console.WriteLine(JsonSerializer.Serialize(report, new JsonSerializerOptions { WriteIndented = true }));
        return 0;
    }
}
