using EspOta.Cli.Files;
using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using EspOta.Torture;
using Spectre.Console;

namespace EspOta.Cli.Commands;

/// <summary><c>esp-ota torture</c>: cut the power at every flash operation of OTA scenarios and check every boot.</summary>
internal static class TortureCommand
{
    public static Command Create(CliContext context)
    {
        var scenarios = new Option<string[]>("--scenario")
        {
            Description = $"Scenario(s) to run (default: all): {string.Join(", ", TortureScenarios.All.Select(s => s.Name))}.",
            AllowMultipleArgumentsPerToken = true,
        };
        var imageSize = new Option<string>("--image-size") { Description = "App image size: bytes, or with K/M suffix.", DefaultValueFactory = _ => "64K" };
        var chunkSize = new Option<int>("--chunk-size") { Description = "Bytes per esp_ota_write.", DefaultValueFactory = _ => 4096 };
        var rollback = new Option<bool>("--rollback") { Description = "Bootloader built with CONFIG_BOOTLOADER_APP_ROLLBACK_ENABLE." };
        var seed = new Option<int>("--seed") { Description = "Seed of every random choice.", DefaultValueFactory = _ => 1 };
        var dump = new Option<DirectoryInfo?>("--dump") { Description = "Write the flash image at the first cut of each finding into this folder (readable by `esp-ota flash boot`)." };
        var json = new Option<bool>("--json") { Description = "Print the reports as JSON." };
        var wear = new Option<int?>("--wear") { Description = "Instead of the sweep: N consecutive OTAs on ESP-IDF's default two-OTA layout; erase counts per sector and the OTAs until the busiest sector wears out." };
        var ratedCycles = new Option<int>("--rated-cycles") { Description = "Erase cycles a sector is rated for (with --wear).", DefaultValueFactory = _ => FlashWear.DefaultRatedCycles };
        var command = new Command("torture", "Cut the power at every flash operation of OTA scenarios (and inside each write and erase), reboot, and check that a good app always boots.")
        {
            scenarios, imageSize, chunkSize, rollback, seed, dump, json, wear, ratedCycles,
        };

        command.SetAction(parse =>
        {
            if (parse.GetValue(wear) is { } otas)
            {
                return RunWear(context, otas, parse.GetValue(ratedCycles), SizeArgument.Parse(parse.GetValue(imageSize)!, "--image-size", min: 0x400, max: 1024 * 1024),
                    parse.GetValue(rollback), parse.GetValue(json));
            }

            var options = new TortureOptions
            {
                ImageSize = SizeArgument.Parse(parse.GetValue(imageSize)!, "--image-size", min: 1, max: 16 * 1024 * 1024),
                ChunkSize = parse.GetValue(chunkSize) is > 0 and var c ? c : throw new UsageException("--chunk-size must be positive"),
                Rollback = parse.GetValue(rollback),
                Seed = parse.GetValue(seed),
            };
            var selected = Select(parse.GetValue(scenarios) ?? []);
            var reports = parse.GetValue(json) ? selected.Select(s => TortureEngine.Run(s, options)).ToList() : RunWithProgress(context, selected, options);

            if (parse.GetValue(dump) is { } folder)
            {
                Dump(folder, selected, options, reports);
            }

            if (parse.GetValue(json))
            {
                context.Out.WriteLine(ToJson(reports).ToJsonString(CliJson.Options));
            }
            else
            {
                WriteSummary(context, reports);
            }

            return reports.Any(r => r.NewFindings.Any()) ? ExitCodes.Failure : ExitCodes.Ok;
        });
        return command;
    }

    private static int RunWear(CliContext context, int otas, int rated, long imageSize, bool rollback, bool json)
    {
        if (otas <= 0 || rated <= 0)
        {
            throw new UsageException("--wear and --rated-cycles must be positive");
        }

        var report = FlashWear.Run(otas, imageSize, rollback, rated);
        if (json)
        {
            context.Out.WriteLine(new JsonObject
            {
                ["otas"] = report.Otas,
                ["image_size"] = report.ImageSize,
                ["rollback"] = report.Rollback,
                ["rated_cycles"] = report.RatedCycles,
                ["total_sector_erases"] = report.TotalSectorErases,
                ["sectors"] = new JsonArray([.. report.Sectors.Select(s => (JsonNode)new JsonObject
                {
                    ["address"] = s.Address,
                    ["sectors"] = s.Sectors,
                    ["partition"] = s.Partition,
                    ["erase_count"] = s.EraseCount,
                    ["erases_per_ota"] = s.ErasesPerOta,
                })]),
                ["busiest_address"] = report.Busiest.Address,
                ["busiest_partition"] = report.Busiest.Partition,
                ["busiest_erase_count"] = report.Busiest.EraseCount,
                ["predicted_otas_to_rated_cycles"] = report.PredictedOtasToRatedCycles,
            }.ToJsonString(new JsonSerializerOptions { WriteIndented = true }));
            return ExitCodes.Ok;
        }

        var table = new Table().Title($"flash wear after {otas:N0} OTAs ({imageSize} B images, rollback {(rollback ? "on" : "off")})")
            .AddColumns("Sectors", "Partition", "Erases each", "Per OTA");
        foreach (var s in report.Sectors)
        {
            string range = s.Sectors == 1 ? $"0x{s.Address:x}" : $"0x{s.Address:x}–0x{s.Address + ((long)(s.Sectors - 1) * 0x1000):x} ({s.Sectors})";
            table.AddRow(range, Markup.Escape(s.Partition), $"{s.EraseCount:N0}", $"{s.ErasesPerOta:0.###}");
        }

        context.Console.Write(table);
        context.Console.WriteLine($"busiest sector 0x{report.Busiest.Address:x} ({report.Busiest.Partition}): {report.Busiest.EraseCount:N0} erases; "
            + $"{report.RatedCycles:N0} rated cycles reached after about {report.PredictedOtasToRatedCycles:N0} OTAs");
        return ExitCodes.Ok;
    }

    private static List<TortureScenario> Select(string[] names)
    {
        if (names.Length == 0)
        {
            return [.. TortureScenarios.All];
        }

        return [.. names.Select(n => TortureScenarios.Find(n)
            ?? throw new UsageException($"unknown scenario '{n}'; known: {string.Join(", ", TortureScenarios.All.Select(s => s.Name))}"))];
    }

    private static List<TortureReport> RunWithProgress(CliContext context, List<TortureScenario> scenarios, TortureOptions options)
    {
        var reports = new List<TortureReport>();
        context.Console.Progress()
            .AutoClear(false)
            .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new ElapsedTimeColumn())
            .Start(progress =>
            {
                foreach (var scenario in scenarios)
                {
                    var task = progress.AddTask(Markup.Escape(scenario.Name), maxValue: 1);
                    reports.Add(TortureEngine.Run(scenario, options with
                    {
                        Progress = (done, total) =>
                        {
                            task.MaxValue = Math.Max(1, total);
                            task.Value = done;
                        },
                    }));
                    task.Value = task.MaxValue;
                }
            });
        return reports;
    }

    private static void WriteSummary(CliContext context, List<TortureReport> reports)
    {
        var summary = new Table().Title("power-loss torture")
            .AddColumns("Scenario", "Rollback", "Ops", "Cut points", "Replays", "Reboots", "Violations", "Findings", "Time", "Cuts/s");
        foreach (var r in reports)
        {
            int known = r.Findings.Count(f => f.IsKnownEspIdfBehaviour);
            int fresh = r.Findings.Count - known;
            summary.AddRow(
                Markup.Escape(r.Scenario), r.Rollback ? "on" : "off", $"{r.Operations}", $"{r.CutPoints}", $"{r.Replays}", $"{r.Reboots}", $"{r.ViolationCount}",
                fresh == 0 ? $"{known} known" : $"[red]{fresh} new[/], {known} known",
                $"{r.Elapsed.TotalSeconds:F2} s", $"{CutsPerSecond(r):F0}");
        }

        long cuts = reports.Sum(r => r.CutPoints);
        double seconds = reports.Sum(r => r.Elapsed.TotalSeconds);
        summary.AddRow("[bold]total[/]", "", $"{reports.Sum(r => r.Operations)}", $"{cuts}", $"{reports.Sum(r => r.Replays)}", $"{reports.Sum(r => r.Reboots)}",
            $"{reports.Sum(r => r.ViolationCount)}", $"{reports.Sum(r => r.Findings.Count)}", $"{seconds:F2} s", $"{(seconds > 0 ? cuts / seconds : 0):F0}");
        context.Console.Write(summary);

        var findings = reports.SelectMany(r => r.Findings).ToList();
        if (findings.Count == 0)
        {
            context.Console.WriteLine($"No violations (seed {reports.FirstOrDefault()?.Seed}).");
            return;
        }

        var table = new Table().Title("findings").AddColumns("Scenario", "Rollback", "Kind", "Step", "Count", "ESP-IDF", "First cut", "Booted");
        foreach (var f in findings)
        {
            table.AddRow(Markup.Escape(f.Scenario), f.Rollback ? "on" : "off", f.Kind.ToString(), Markup.Escape(f.Step), $"{f.Count}",
                f.IsKnownEspIdfBehaviour ? "known" : "[red]NEW[/]",
                Markup.Escape(f.First.Cut.ToString()),
                Markup.Escape($"{f.First.Actual ?? "nothing"} (expected {f.First.Expected ?? "-"}, {f.First.Continuation} boot {f.First.BootNumber})"));
        }

        context.Console.Write(table);
        foreach (var f in findings.Where(f => !f.IsKnownEspIdfBehaviour))
        {
            context.Error.WriteLine($"esp-ota: violation: {f.First} (seed {f.First.Seed})");
            context.Error.WriteLine(f.First.Detail);
        }
    }

    private static void Dump(DirectoryInfo folder, List<TortureScenario> scenarios, TortureOptions options, List<TortureReport> reports)
    {
        folder.Create();
        foreach (var (scenario, report) in scenarios.Zip(reports))
        {
            foreach (var f in report.Findings)
            {
                string name = $"{f.Scenario}-rollback-{(f.Rollback ? "on" : "off")}-{f.Kind}-op{f.First.Cut.Operation.Index}.bin";
                CliFiles.WriteAtomic(Path.Combine(folder.FullName, name), TortureEngine.ReproduceCut(scenario, options, f.First.Cut), "flash image dump");
            }
        }
    }

    private static double CutsPerSecond(TortureReport r) => r.Elapsed.TotalSeconds > 0 ? r.CutPoints / r.Elapsed.TotalSeconds : 0;

    private static JsonObject ToJson(List<TortureReport> reports) => new()
    {
        ["scenarios"] = new JsonArray([.. reports.Select(r => (JsonNode)new JsonObject
        {
            ["scenario"] = r.Scenario,
            ["rollback"] = r.Rollback,
            ["image_size"] = r.ImageSize,
            ["seed"] = r.Seed,
            ["operations"] = r.Operations,
            ["cut_points"] = r.CutPoints,
            ["replays"] = r.Replays,
            ["reboots"] = r.Reboots,
            ["violations"] = r.ViolationCount,
            ["verifications_cached"] = r.VerificationsCached,
            ["verifications_run"] = r.VerificationsRun,
            ["elapsed_ms"] = Math.Round(r.Elapsed.TotalMilliseconds, 1),
            ["cut_points_per_second"] = Math.Round(CutsPerSecond(r)),
            ["findings"] = new JsonArray([.. r.Findings.Select(f => (JsonNode)new JsonObject
            {
                ["key"] = f.Key,
                ["kind"] = f.Kind.ToString(),
                ["step"] = f.Step,
                ["count"] = f.Count,
                ["window_operations"] = f.Operations,
                ["window_bytes"] = f.Bytes,
                ["window_first_operation"] = f.FirstOperation,
                ["window_last_operation"] = f.LastOperation,
                ["known_esp_idf_behaviour"] = f.IsKnownEspIdfBehaviour,
                ["first"] = new JsonObject
                {
                    ["operation"] = f.First.Cut.Operation.Index,
                    ["operation_kind"] = f.First.Cut.Operation.Kind.ToString(),
                    ["address"] = f.First.Cut.Operation.Address,
                    ["length"] = f.First.Cut.Operation.Length,
                    ["bytes_written"] = f.First.Cut.BytesWritten,
                    ["sectors_erased"] = f.First.Cut.SectorsErased,
                    ["garbage"] = f.First.Cut.Garbage,
                    ["continuation"] = f.First.Continuation.ToString(),
                    ["continuations"] = new JsonArray([.. f.First.Continuations.Select(c => (JsonNode)c.ToString())]),
                    ["boot"] = f.First.BootNumber,
                    ["expected"] = f.First.Expected,
                    ["actual"] = f.First.Actual,
                    ["detail"] = f.First.Detail,
                },
            })]),
        })]),
        ["new_findings"] = reports.Sum(r => r.NewFindings.Count()),
    };
}
