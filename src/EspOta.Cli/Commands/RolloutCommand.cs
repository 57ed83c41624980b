using System.CommandLine;
using System.Globalization;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using EspOta.Server.Rollouts;
using Spectre.Console;

namespace EspOta.Cli.Commands;

/// <summary><c>esp-ota rollout create|list|show|pause|resume|cancel|rollback</c>: staged rollouts on an update server.</summary>
internal static class RolloutCommand
{
    public static Command Create(CliContext context)
    {
        var command = new Command("rollout", "Staged rollouts: a firmware to a target in stages, with health gates.");
        command.Subcommands.Add(CreateCreate(context));
        command.Subcommands.Add(CreateList(context));
        command.Subcommands.Add(CreateShow(context));
        foreach (var (name, description) in new[]
        {
            ("pause", "Stop new offers until resumed."),
            ("resume", "Continue a paused or halted rollout at its stage (the soak time starts again)."),
            ("cancel", "End the rollout; devices keep what they run."),
            ("rollback", "Offer the previous release to the devices that took this one."),
        })
        {
            command.Subcommands.Add(CreateAction(context, name, description));
        }

        return command;
    }

    private static Command CreateCreate(CliContext context)
    {
        var firmware = new Option<string>("--firmware") { Description = "SHA-256 of the firmware to deploy (esp-ota firmware list).", Required = true };
        var stages = new Option<string>("--stages") { Description = "Cumulative stages: percentages (1,10,50,100) or #counts (#5,#20,100).", DefaultValueFactory = _ => "1,10,50,100" };
        var group = new Option<string?>("--group") { Description = "Only devices of this group." };
        var tags = new Option<string[]>("--tag") { Description = "Only devices carrying this tag (repeatable: all must match).", AllowMultipleArgumentsPerToken = false };
        var devices = new Option<string[]>("--device") { Description = "Only these devices (repeatable)." };
        var advance = new Option<double>("--advance") { Description = "Percent of a stage that must confirm before the next starts.", DefaultValueFactory = _ => 90 };
        var soak = new Option<double>("--soak") { Description = "Least seconds a stage runs before the next starts.", DefaultValueFactory = _ => 3600 };
        var halt = new Option<double>("--halt") { Description = "Halt when a stage's failed + rolled-back percent passes this.", DefaultValueFactory = _ => 20 };
        var id = new Option<string?>("--id") { Description = "The rollout id (default: generated)." };
        var name = new Option<string?>("--name") { Description = "A name for people." };
        var (server, apiKey, json) = (ServerOptions.Server(), ServerOptions.ApiKey(), ServerOptions.Json());
        var command = new Command("create", "Start a rollout.") { firmware, stages, group, tags, devices, advance, soak, halt, id, name, server, apiKey, json };
        command.SetAction(parse =>
        {
            var body = new CreateRolloutRequest(
                parse.GetRequiredValue(firmware),
                ParseStages(parse.GetValue(stages) ?? ""),
                new RolloutGate(parse.GetValue(advance), parse.GetValue(soak), parse.GetValue(halt)),
                new RolloutTarget(parse.GetValue(group), NullIfEmpty(parse.GetValue(tags)), NullIfEmpty(parse.GetValue(devices))),
                parse.GetValue(id),
                parse.GetValue(name));
            using var client = ServerHttpClient.Create(parse.GetRequiredValue(server), ServerOptions.RequireApiKey(parse.GetValue(apiKey)));
            using var response = client.PostAsJsonAsync("api/rollouts", body, CliJsonContext.Default.CreateRolloutRequest).GetAwaiter().GetResult();
            Show(context, parse.GetValue(json), Read(response, CliJsonContext.Default.RolloutView));
            return ExitCodes.Ok;
        });
        return command;
    }

    private static Command CreateList(CliContext context)
    {
        var (server, apiKey, json) = (ServerOptions.Server(), ServerOptions.ApiKey(), ServerOptions.Json());
        var command = new Command("list", "List the rollouts, newest first.") { server, apiKey, json };
        command.SetAction(parse =>
        {
            using var client = ServerHttpClient.Create(parse.GetRequiredValue(server), ServerOptions.RequireApiKey(parse.GetValue(apiKey)));
            using var response = client.GetAsync("api/rollouts").GetAwaiter().GetResult();
            var list = Read(response, CliJsonContext.Default.RolloutViewArray);
            if (parse.GetValue(json))
            {
                context.Out.WriteLine(JsonSerializer.Serialize(list, CliJsonContext.Default.RolloutViewArray));
                return ExitCodes.Ok;
            }

            var table = new Table().AddColumns("Id", "Name", "Firmware", "State", "Stage", "Confirmed", "Failed");
            foreach (var r in list)
            {
                table.AddRow(
                    Markup.Escape(r.Id),
                    Markup.Escape(r.Name),
                    Markup.Escape(r.Firmware.Version),
                    StateMarkup(r.State),
                    $"{r.CurrentStage + 1}/{r.Stages.Count}",
                    $"{r.Progress.Sum(p => p.Confirmed)}/{r.Progress.Sum(p => p.Size)}",
                    $"{r.Progress.Sum(p => p.Failed + p.RolledBack)}");
            }

            context.Console.Write(table);
            return ExitCodes.Ok;
        });
        return command;
    }

    private static Command CreateShow(CliContext context)
    {
        var id = new Argument<string>("id") { Description = "The rollout id." };
        var (server, apiKey, json) = (ServerOptions.Server(), ServerOptions.ApiKey(), ServerOptions.Json());
        var command = new Command("show", "A rollout's stages, progress, history and halt reason.") { id, server, apiKey, json };
        command.SetAction(parse =>
        {
            using var client = ServerHttpClient.Create(parse.GetRequiredValue(server), ServerOptions.RequireApiKey(parse.GetValue(apiKey)));
            using var response = client.GetAsync("api/rollouts/" + Uri.EscapeDataString(parse.GetRequiredValue(id))).GetAwaiter().GetResult();
            Show(context, parse.GetValue(json), Read(response, CliJsonContext.Default.RolloutView));
            return ExitCodes.Ok;
        });
        return command;
    }

    private static Command CreateAction(CliContext context, string action, string description)
    {
        var id = new Argument<string>("id") { Description = "The rollout id." };
        var (server, apiKey, json) = (ServerOptions.Server(), ServerOptions.ApiKey(), ServerOptions.Json());
        var command = new Command(action, description) { id, server, apiKey, json };
        command.SetAction(parse =>
        {
            using var client = ServerHttpClient.Create(parse.GetRequiredValue(server), ServerOptions.RequireApiKey(parse.GetValue(apiKey)));
            using var response = client.PostAsync($"api/rollouts/{Uri.EscapeDataString(parse.GetRequiredValue(id))}/{action}", null).GetAwaiter().GetResult();
            Show(context, parse.GetValue(json), Read(response, CliJsonContext.Default.RolloutView));
            return ExitCodes.Ok;
        });
        return command;
    }

    /// <summary>"1,10,50,100" or "#5,#20,100%" into stages; a usage error otherwise.</summary>
    public static IReadOnlyList<RolloutStage> ParseStages(string text)
    {
        var stages = new List<RolloutStage>();
        foreach (var part in text.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            if (part.StartsWith('#') && int.TryParse(part.AsSpan(1), NumberStyles.None, CultureInfo.InvariantCulture, out int count))
            {
                stages.Add(new RolloutStage(Count: count));
            }
            else if (double.TryParse(part.TrimEnd('%'), NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out double percent))
            {
                stages.Add(new RolloutStage(Percent: percent));
            }
            else
            {
                throw new UsageException($"--stages: '{part}' is neither a percentage (10) nor a count (#10)");
            }
        }

        if (Rollout.Validate(stages, new RolloutGate()) is { Count: > 0 } problems)
        {
            throw new UsageException("--stages: " + string.Join("; ", problems));
        }

        return stages;
    }

    private static T Read<T>(HttpResponseMessage response, JsonTypeInfo<T> type)
    {
        ServerOptions.EnsureSuccessAsync(response, CancellationToken.None).GetAwaiter().GetResult();
        return response.Content.ReadFromJsonAsync(type).GetAwaiter().GetResult()
            ?? throw new ServerProblemException((int)response.StatusCode, "the server answered an empty body");
    }

    private static void Show(CliContext context, bool json, RolloutView r)
    {
        if (json)
        {
            context.Out.WriteLine(JsonSerializer.Serialize(r, CliJsonContext.Default.RolloutView));
            return;
        }

        context.Console.MarkupLine($"[bold]{Markup.Escape(r.Name)}[/] ({Markup.Escape(r.Id)}) {StateMarkup(r.State)}: {Markup.Escape(r.Firmware.ToString())} to {Markup.Escape(r.Target.ToString())}");
        if (r.HaltReason is { } why)
        {
            context.Console.MarkupLine($"[red]halted:[/] {Markup.Escape(why)}");
        }

        var table = new Table().AddColumns("Stage", "Devices", "Confirmed", "In progress", "Failed", "Rolled back", "Waiting");
        foreach (var p in r.Progress)
        {
            string label = (p.Index == r.CurrentStage ? "▶ " : "  ") + $"{p.Index + 1} ({p.Label})";
            table.AddRow(Markup.Escape(label), I(p.Size), I(p.Confirmed), I(p.InProgress + p.Offered), I(p.Failed), I(p.RolledBack), I(p.Waiting));
        }

        context.Console.Write(table);
        foreach (var e in r.Events)
        {
            context.Console.MarkupLine($"[grey]{e.At:u}[/] {Markup.Escape(e.Kind)}: {Markup.Escape(e.Detail)}");
        }
    }

    private static string StateMarkup(RolloutState state) => state switch
    {
        RolloutState.Running => "[blue]running[/]",
        RolloutState.Completed => "[green]completed[/]",
        RolloutState.Halted => "[red]halted[/]",
        RolloutState.RollingBack => "[yellow]rolling back[/]",
        _ => state.ToString().ToLowerInvariant(),
    };

    private static string I(int value) => value.ToString(CultureInfo.InvariantCulture);

    private static string[]? NullIfEmpty(string[]? values) => values is { Length: > 0 } ? values : null;
}
