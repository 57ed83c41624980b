using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Json;
using System.Text.Json;
using EspOta.Http;
using EspOta.Simulation;
using EspOta.Images;
using EspOta.Server.Rollouts;
using Spectre.Console;

namespace EspOta.Cli.Commands;

/// <summary>
/// The demo's rollout act: 50 simulated devices on 1.0.0 poll the server with jitter; a bad 2.0.0
/// (its self-test fails on most devices) goes out in stages and halts by itself at its first stage,
/// most of the fleet untouched; then a good 2.1.0 goes through every stage to 100 %.
/// </summary>
internal static class DemoRolloutAct
{
    private const string Project = "esp-ota-fleet";
    private const int Devices = 50;

    public static async Task<Action?> RunAsync(CliContext context, bool json, HttpClient admin, HttpClient http, Uri baseAddress, List<(string What, bool Ok)> checks)
    {
        var clock = Stopwatch.StartNew();
        var v1 = Build("1.0.0", 1);
        var bad = Build("2.0.0", 2);
        var good = Build("2.1.0", 3);
        await UploadAsync(admin, v1);
        var fleet = new SimulatedFleet(v1, new HttpOtaClient(http), new SimulatedFleetOptions
        {
            Count = Devices,
            IdPrefix = "fleet-",
            PollInterval = TimeSpan.FromMilliseconds(120),
            Jitter = 0.3,
            SelfTestFailureRate = app => app.Version == "2.0.0" ? 0.8 : 0,
            Concurrency = 8,
            Seed = 7,
        });
        Say(context, json, $"rollout act: {Devices} simulated devices on {Project} 1.0.0 poll the server (dashboard: {new Uri(baseAddress, "/dashboard")})");
        await fleet.RunAsync(rounds: 1);

        string badSha = await UploadAsync(admin, bad);
        await CreateAsync(admin, new CreateRolloutRequest(badSha, [new(Count: 5), new(Percent: 50), new(Percent: 100)], new RolloutGate(100, 0, 20), null, "fleet-2.0.0", $"{Project} 2.0.0"));
        Say(context, json, "released 2.0.0 in stages 5 devices → 50 % → 100 % (its self-test fails on 80 % of devices)");
        await fleet.RunAsync(rounds: 20, until: () => State(admin, "fleet-2.0.0") == RolloutState.Halted);
        var halted = await GetAsync(admin, "fleet-2.0.0");
        int untouched = fleet.Devices.Count(d => halted.Members!.All(m => m.DeviceId != d.Id) && d.RunningApp?.Version == "1.0.0");
        checks.Add(("bad 2.0.0 halted by itself at its first stage", halted.State == RolloutState.Halted && halted.CurrentStage == 0 && halted.HaltReason is not null));
        checks.Add(($"most of the fleet untouched by 2.0.0 ({untouched} of {Devices} never offered it)", untouched >= Devices * 8 / 10));
        checks.Add(("only first-stage devices were offered 2.0.0", halted.Members!.All(m => m.Stage == 0) && halted.Members!.Count <= 5));

        string goodSha = await UploadAsync(admin, good);
        await CreateAsync(admin, new CreateRolloutRequest(goodSha, [new(Count: 5), new(Percent: 50), new(Percent: 100)], new RolloutGate(100, 0.3, 20), null, "fleet-2.1.0", $"{Project} 2.1.0"));
        Say(context, json, "released 2.1.0 in the same stages (0.3 s soak per stage)");
        await fleet.RunAsync(rounds: 80, until: () => State(admin, "fleet-2.1.0") == RolloutState.Completed && fleet.Devices.All(d => d.RunningApp?.Version == "2.1.0"));
        var completed = await GetAsync(admin, "fleet-2.1.0");
        checks.Add(("good 2.1.0 passed every stage (completed)", completed.State == RolloutState.Completed));
        checks.Add(($"all {Devices} devices run 2.1.0", fleet.Devices.All(d => d.RunningApp?.Version == "2.1.0")));

        double seconds = clock.Elapsed.TotalSeconds;
        return json ? null : () => Show(context, fleet, [halted, completed], seconds);
    }

    /// <summary>The final screen: both rollouts stage by stage, and what the fleet runs.</summary>
    private static void Show(CliContext context, SimulatedFleet fleet, RolloutView[] rollouts, double seconds)
    {
        foreach (var r in rollouts)
        {
            var table = new Table().Title($"{r.Name}: {r.State.ToString().ToLowerInvariant()}").AddColumns("Stage", "Devices", "Confirmed", "In progress", "Failed", "Rolled back", "Untouched");
            foreach (var p in r.Progress)
            {
                table.AddRow($"{p.Index + 1} ({Markup.Escape(p.Label)})", I(p.Size), $"[green]{I(p.Confirmed)}[/]", I(p.InProgress + p.Offered), $"[red]{I(p.Failed)}[/]", $"[yellow]{I(p.RolledBack)}[/]", I(p.Waiting));
            }

            context.Console.Write(table);
            if (r.HaltReason is { } why)
            {
                context.Console.MarkupLine($"[red]halted:[/] {Markup.Escape(why)}");
            }
        }

        var versions = new Table().Title("fleet now runs").AddColumns("Version", "Devices");
        foreach (var g in fleet.Devices.GroupBy(d => d.RunningApp?.Version ?? "?").OrderBy(g => g.Key, StringComparer.Ordinal))
        {
            versions.AddRow(Markup.Escape(g.Key), I(g.Count()));
        }

        context.Console.Write(versions);
        context.Console.MarkupLineInterpolated($"[grey]rollout act took {seconds:F1} s[/]");
    }

    private static byte[] Build(string version, ulong seed) =>
        new AppImageBuilder(Chip.Esp32).WithProject(Project).WithVersion(version).WithPayload(16 * 1024, seed).Build();

    private static async Task<string> UploadAsync(HttpClient admin, byte[] image)
    {
        using var content = new ByteArrayContent(image);
        content.Headers.ContentType = new("application/octet-stream");
        using var response = await admin.PostAsync("api/firmware", content);
        await ServerOptions.EnsureSuccessAsync(response, CancellationToken.None);
        return Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(image));
    }

    private static async Task CreateAsync(HttpClient admin, CreateRolloutRequest request)
    {
        using var response = await admin.PostAsJsonAsync("api/rollouts", request, CliJsonContext.Default.CreateRolloutRequest);
        await ServerOptions.EnsureSuccessAsync(response, CancellationToken.None);
    }

    private static async Task<RolloutView> GetAsync(HttpClient admin, string id) =>
        (await admin.GetFromJsonAsync("api/rollouts/" + id, CliJsonContext.Default.RolloutView))!;

    private static RolloutState State(HttpClient admin, string id) => GetAsync(admin, id).GetAwaiter().GetResult().State;

    private static string I(int value) => value.ToString(CultureInfo.InvariantCulture);

    private static void Say(CliContext context, bool json, string text)
    {
        if (!json)
        {
            context.Console.MarkupLineInterpolated($"[grey]{text}[/]");
        }
    }
}
