using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using EspOta.Http;
using EspOta.Simulation;
using Spectre.Console;

namespace EspOta.Cli.Commands;

/// <summary><c>esp-ota device fleet --rounds N</c>: a <see cref="SimulatedFleet"/> polling a server, summarised by what each device runs at the end.</summary>
internal static class PollingFleet
{
    public static int Run(CliContext context, Uri server, byte[] factory, SimulatedFleetOptions options, int rounds, bool json)
    {
        if (rounds <= 0 || options.PollInterval < TimeSpan.Zero || options.Jitter is < 0 or > 1)
        {
            throw new UsageException("--rounds must be positive, --interval not negative, --jitter in [0, 1]");
        }

        using var http = ServerHttpClient.Create(server, timeout: Timeout.InfiniteTimeSpan);
        var fleet = new SimulatedFleet(factory, new HttpOtaClient(http), options);
        var clock = Stopwatch.StartNew();
        var results = fleet.RunAsync(rounds).GetAwaiter().GetResult();
        var elapsed = clock.Elapsed;
        var versions = fleet.Devices.GroupBy(d => d.RunningApp?.Version ?? "(none)").OrderBy(g => g.Key, StringComparer.Ordinal).ToDictionary(g => g.Key, g => g.Count());
        var outcomes = results.GroupBy(r => JsonNamingPolicy.SnakeCaseLower.ConvertName(r.Outcome.ToString())).ToDictionary(g => g.Key, g => g.Count());
        if (json)
        {
            context.Out.WriteLine(CliJson.Format(new JsonObject
            {
                ["devices"] = options.Count,
                ["rounds"] = rounds,
                ["seed"] = options.Seed,
                ["seconds"] = elapsed.TotalSeconds,
                ["running"] = CliJson.Counts(versions),
                ["outcomes"] = CliJson.Counts(outcomes),
            }));
        }
        else
        {
            var table = new Table().AddColumns("Runs", "Devices");
            foreach (var (version, n) in versions)
            {
                table.AddRow(Markup.Escape(version), n.ToString(CultureInfo.InvariantCulture));
            }

            context.Console.Write(table);
            context.Console.MarkupLineInterpolated($"{options.Count} devices, {rounds} rounds, {results.Count} cycles in {elapsed.TotalSeconds:F1}s (seed {options.Seed}): {string.Join(", ", outcomes.Select(o => $"{o.Value} {o.Key}"))}");
        }

        return ExitCodes.Ok;
    }
}
