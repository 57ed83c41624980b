using System.Diagnostics;
using System.Globalization;
using EspOta.Flash;
using EspOta.Http;
using EspOta.Images;
using EspOta.Simulation;
using Npgsql;

namespace EspOta.Benchmarks.Http;

/// <summary>
/// Issue 18's bounded fleet load run: N simulated devices (copy-on-write flash over one shared base
/// image) against one <c>esp-ota serve</c> on SQLite, and — given a PostgreSQL server — against two
/// <c>esp-ota serve</c> processes on one PostgreSQL database and one data folder, devices split between
/// them. Two phases per run: <b>poll</b> (every device checks twice, nothing to offer: the server
/// learns the fleet) and <b>update</b> (v2 is uploaded; devices poll and update until all run it).
/// Prints update-check p50/p99 per phase, the servers' peak RSS, the fleet's memory per device and the
/// time for the fleet to update. Each phase stops at <c>--max-seconds</c>, and says so.
/// With <c>--rollout</c>, v2 is uploaded and a staged rollout (1 % → 10 % → 50 % → 100 %, gate 90 %
/// confirmed and 1 s soak, the servers' gate ticker every second) is created <i>before</i> the fleet
/// first checks in: the poll phase is then a first check-in storm with a rollout present (its first
/// stage updating), and the update phase runs until the ticker has advanced it to every device.
/// </summary>
/// <remarks>
/// dotnet run -c Release --project bench/EspOta.Benchmarks -- scale [1000,10000] [--postgres CONNECTION]
/// [--image BYTES] [--max-seconds S] [--concurrency C] [--rollout] [--skip-sqlite] (with --postgres: the two-server run only). The servers run with
/// <c>EspOta__DeviceRequestsPerSecond=0</c>: the per-address rate limit would otherwise throttle a
/// fleet that all comes from 127.0.0.1.
/// </remarks>
internal static class ScaleLoadRun
{
    private const string Project = "scale-bench";

    private static readonly Dictionary<string, string> OneMachineFleet = new() { ["EspOta__DeviceRequestsPerSecond"] = "0" };

    // The gate ticker every second (the default is 5 s): a stage whose soak ended advances promptly.
    private static readonly Dictionary<string, string> RolloutFleet = new() { ["EspOta__DeviceRequestsPerSecond"] = "0", ["EspOta__RolloutEvaluationInterval"] = "00:00:01" };

    public static async Task<int> RunAsync(string[] args)
    {
        int[] counts = [1000, 10000];
        string? postgres = null;
        int imageBytes = 64 * 1024, maxSeconds = 600, concurrency = 64;
        bool rollout = false, skipSqlite = false;
        for (int i = 0; i < args.Length; i++)
        {
            switch (args[i])
            {
                case "--postgres": postgres = args[++i]; break;
                case "--image": imageBytes = int.Parse(args[++i], CultureInfo.InvariantCulture); break;
                case "--max-seconds": maxSeconds = int.Parse(args[++i], CultureInfo.InvariantCulture); break;
                case "--concurrency": concurrency = int.Parse(args[++i], CultureInfo.InvariantCulture); break;
                case "--rollout": rollout = true; break;
                case "--skip-sqlite": skipSqlite = true; break;
                default: counts = args[i].Split(',').Select(c => int.Parse(c, CultureInfo.InvariantCulture)).ToArray(); break;
            }
        }

        var v1 = new AppImageBuilder(Chip.Esp32).WithProject(Project).WithVersion("1.0.0").WithPayload(4096).Build();
        var probe = new AppImageBuilder(Chip.Esp32).WithProject(Project).WithVersion("2.0.0").Build();
        var v2 = new AppImageBuilder(Chip.Esp32).WithProject(Project).WithVersion("2.0.0").WithPayload(Math.Max(0, imageBytes - probe.Length), 7).Build();
        Console.WriteLine($"scale load run: v2 {v2.Length} bytes, {concurrency} device cycles at once, phases bounded at {maxSeconds} s, {(rollout ? "staged rollout 1/10/50/100 % created before the first check-in, " : "")}{Environment.ProcessorCount} cores, load average {LoadAverage()}");
        int failures = 0;
        foreach (string setup in postgres is null ? ["sqlite"] : skipSqlite ? ["postgresql x2"] : (string[])["sqlite", "postgresql x2"])
        {
            foreach (int n in counts)
            {
                failures += await RunOneAsync(setup, postgres, n, v1, v2, concurrency, maxSeconds, rollout) ? 0 : 1;
            }
        }

        return failures == 0 ? 0 : 1;
    }

    private static async Task<bool> RunOneAsync(string setup, string? postgres, int n, byte[] v1, byte[] v2, int concurrency, int maxSeconds, bool rollout)
    {
        var environment = rollout ? RolloutFleet : OneMachineFleet;
        string data = Path.Combine(Path.GetTempPath(), $"esp-ota-scale-{Guid.NewGuid().ToString("N")[..8]}");
        string? database = null;
        var servers = new List<LoadRunServer>();
        var timers = new List<CheckTimer>();
        var clients = new List<HttpClient>();
        try
        {
            if (setup == "sqlite")
            {
                servers.Add(LoadRunServer.Start("scale", environment: environment, data: data));
            }
            else
            {
                database = "espota_scale_" + Guid.NewGuid().ToString("N")[..12];
                await ExecuteAsync(postgres!, $"CREATE DATABASE {database}");
                string connection = new NpgsqlConnectionStringBuilder(postgres) { Database = database }.ConnectionString;
                string[] arguments = ["--database", "PostgreSql", "--connection-string", connection];
                servers.Add(LoadRunServer.Start("scale", arguments: arguments, environment: environment, data: data));
                servers.Add(LoadRunServer.Start("scale", arguments: arguments, environment: environment, data: data));
            }

            long heapBefore = GC.GetTotalMemory(forceFullCollection: true);
            var fleets = new List<SimulatedFleet>();
            for (int k = 0; k < servers.Count; k++)
            {
                var timer = new CheckTimer(new SocketsHttpHandler { MaxConnectionsPerServer = concurrency, PooledConnectionLifetime = Timeout.InfiniteTimeSpan });
                var http = new HttpClient(timer) { BaseAddress = servers[k].BaseAddress, Timeout = Timeout.InfiniteTimeSpan };
                timers.Add(timer);
                clients.Add(http);
                var client = new HttpOtaClient(http, new HttpOtaClientOptions { RequestTimeout = TimeSpan.FromSeconds(120) });
                int share = n / servers.Count + (k < n % servers.Count ? 1 : 0);
                fleets.Add(new SimulatedFleet(v1, client, new SimulatedFleetOptions
                {
                    Count = share,
                    IdPrefix = $"s{k}-",
                    SlotSize = Align(v2.Length),
                    PollInterval = TimeSpan.FromSeconds(1),
                    Concurrency = Math.Max(1, concurrency / servers.Count),
                    Seed = 18 + k,
                }));
            }

            var devices = fleets.SelectMany(f => f.Devices).ToArray();
            if (rollout)
            {
                await servers[0].UploadAsync(v2);
                await CreateRolloutAsync(servers[0], v2);
            }

            // Poll: every device checks in twice with nothing to offer; the server learns the whole fleet.
            var poll = await PhaseAsync(fleets, timers, rounds: 2, until: null, maxSeconds);
            long[] rssAfterPoll = servers.Select(s => s.PeakResidentBytes()).ToArray();

            // Update: v2 lands (or the rollout goes on); devices keep polling (every ~1 s) and update, until every one runs v2.
            int updatedAfterPoll = devices.Count(d => d.RunningApp?.Version == "2.0.0");
            if (!rollout)
            {
                await servers[0].UploadAsync(v2);
            }

            int updated = 0;
            using var counting = new CancellationTokenSource();
            var counter = Task.Run(async () =>
            {
                while (!counting.IsCancellationRequested)
                {
                    Volatile.Write(ref updated, devices.Count(d => d.RunningApp?.Version == "2.0.0"));
                    await Task.Delay(200).ConfigureAwait(false);
                }
            });
            var update = await PhaseAsync(fleets, timers, rounds: 100_000, until: () => Volatile.Read(ref updated) >= n, maxSeconds);
            await counting.CancelAsync();
            await counter;
            int finalUpdated = devices.Count(d => d.RunningApp?.Version == "2.0.0");
            long[] rssPeak = servers.Select(s => s.PeakResidentBytes()).ToArray();
            long heapAfter = GC.GetTotalMemory(forceFullCollection: true);
            long ownFlash = devices.Sum(d => ((CopyOnWriteFlash)d.Device.Flash).OwnBytes);
            GC.KeepAlive(fleets);

            string label = $"{setup,-14} n={n,6}";
            Console.WriteLine($"{label} poll:   {poll.Describe()}{(rollout ? $"; {updatedAfterPoll}/{n} run v2 after it" : "")}");
            Console.WriteLine($"{label} update: {update.Describe()}; {finalUpdated}/{n} run v2 after {update.Seconds:0.0} s{(finalUpdated < n ? " (stopped at the time bound)" : "")}");
            Console.WriteLine(
                $"{label} server peak RSS {string.Join(" + ", rssPeak.Select(Mib))} MiB (after poll {string.Join(" + ", rssAfterPoll.Select(Mib))}); " +
                $"fleet managed heap {(heapAfter - heapBefore) / 1024.0 / n:0.0} KiB/device (own flash sectors {ownFlash / 1024.0 / n:0.0} KiB/device, v2 {v2.Length / 1024.0:0.0} KiB); " +
                $"fleet process peak RSS {Mib(SelfPeakResident())} MiB; load average {LoadAverage()}");
            if (rollout)
            {
                Console.WriteLine($"{label} rollout: {await RolloutSummaryAsync(servers[0])}");
            }

            return finalUpdated == n;
        }
        finally
        {
            foreach (var http in clients)
            {
                http.Dispose();
            }

            foreach (var server in servers)
            {
                await server.DisposeAsync();
            }

            if (database is not null)
            {
                NpgsqlConnection.ClearAllPools();
                await ExecuteAsync(postgres!, $"DROP DATABASE IF EXISTS {database} WITH (FORCE)");
            }
        }
    }

    private static async Task<Phase> PhaseAsync(List<SimulatedFleet> fleets, List<CheckTimer> timers, int rounds, Func<bool>? until, int maxSeconds)
    {
        foreach (var timer in timers)
        {
            timer.Reset();
        }

        using var bound = new CancellationTokenSource(TimeSpan.FromSeconds(maxSeconds));
        var clock = Stopwatch.StartNew();
        IReadOnlyList<DeviceCycleResult>[] results;
        try
        {
            results = await Task.WhenAll(fleets.Select(f => f.RunAsync(rounds, until, bound.Token)));
        }
        catch (OperationCanceledException)
        {
            results = [];
        }

        clock.Stop();
        var checks = timers.SelectMany(t => t.CheckLatencies).Order().ToArray();
        var outcomes = results.SelectMany(r => r).GroupBy(r => r.Outcome).OrderBy(g => g.Key).Select(g => $"{g.Key} {g.Count()}");
        return new Phase(clock.Elapsed.TotalSeconds, checks, timers.Sum(t => t.Requests), string.Join(", ", outcomes), bound.IsCancellationRequested);
    }

    private static async Task CreateRolloutAsync(LoadRunServer server, byte[] image)
    {
        using var admin = server.CreateAdminClient();
        string body = $$"""
            {"id": "scale", "firmware": "{{Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(image))}}",
             "stages": [{"percent": 1}, {"percent": 10}, {"percent": 50}, {"percent": 100}],
             "gate": {"advance_confirmed_percent": 90, "soak_seconds": 1, "halt_failure_percent": 50} }
            """;
        using var content = new StringContent(body, System.Text.Encoding.UTF8, "application/json");
        using var response = await admin.PostAsync("api/rollouts", content);
        response.EnsureSuccessStatusCode();
    }

    /// <summary>The rollout's state and when (seconds after its creation) it advanced: from its own history.</summary>
    private static async Task<string> RolloutSummaryAsync(LoadRunServer server)
    {
        using var admin = server.CreateAdminClient();
        using var document = System.Text.Json.JsonDocument.Parse(await admin.GetStringAsync("api/rollouts/scale"));
        var root = document.RootElement;
        var events = root.GetProperty("events").EnumerateArray().ToList();
        var created = events[0].GetProperty("at").GetDateTimeOffset();
        var steps = events.Skip(1).Select(e => $"{e.GetProperty("kind").GetString()} +{(e.GetProperty("at").GetDateTimeOffset() - created).TotalSeconds:0.0} s");
        return $"{root.GetProperty("state").GetString()}; {string.Join(", ", steps)}";
    }

    private static async Task ExecuteAsync(string connectionString, string sql)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        await command.ExecuteNonQueryAsync();
    }

    private static long Align(long size) => (size + 0xFFFF) / 0x10000 * 0x10000;

    private static string Mib(long bytes) => (bytes / 1048576.0).ToString("0.0", CultureInfo.InvariantCulture);

    private static string LoadAverage() => string.Join(' ', File.ReadAllText("/proc/loadavg").Split(' ').Take(3));

    private static long SelfPeakResident()
    {
        foreach (var line in File.ReadLines("/proc/self/status"))
        {
            if (line.StartsWith("VmHWM:", StringComparison.Ordinal))
            {
                return long.Parse(line["VmHWM:".Length..].Trim().Split(' ')[0], CultureInfo.InvariantCulture) * 1024;
            }
        }

        return Environment.WorkingSet;
    }

    private sealed record Phase(double Seconds, double[] Checks, long Requests, string Outcomes, bool TimedOut)
    {
        public string Describe() =>
            $"{Checks.Length} checks in {Seconds:0.0} s, p50 {FleetLoadRun.Percentile(Checks, 0.50):0.0} ms, p99 {FleetLoadRun.Percentile(Checks, 0.99):0.0} ms, " +
            $"{Requests} requests ({Requests / Seconds:0} /s){(TimedOut ? ", STOPPED at the time bound" : "")}; cycles: {(Outcomes.Length == 0 ? "(not collected: stopped)" : Outcomes)}";
    }

    /// <summary>Times the update-check requests and counts all requests.</summary>
    private sealed class CheckTimer(HttpMessageHandler inner) : DelegatingHandler(inner)
    {
        private System.Collections.Concurrent.ConcurrentQueue<double> _checks = new();
        private long _requests;

        public IEnumerable<double> CheckLatencies => _checks;

        public long Requests => Interlocked.Read(ref _requests);

        public void Reset()
        {
            _checks = new();
            Interlocked.Exchange(ref _requests, 0);
        }

        protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            Interlocked.Increment(ref _requests);
            long start = Stopwatch.GetTimestamp();
            var response = await base.SendAsync(request, cancellationToken);
            if (request.RequestUri?.AbsolutePath.EndsWith("/api/updates/check", StringComparison.Ordinal) == true)
            {
                _checks.Enqueue(Stopwatch.GetElapsedTime(start).TotalMilliseconds);
            }

            return response;
        }
    }
}
