using System.CommandLine;
using System.Globalization;
using System.Net.Http.Json;
using System.Text.Json;
using EspOta.Http;
using EspOta.Server.Devices;
using EspOta.Server.Rollouts;
using Spectre.Console;

namespace EspOta.Cli.Commands;

/// <summary><c>esp-ota device list|show</c>: the devices an update server knows, paged, and one device's history and update decision.</summary>
internal static class DeviceAdminCommands
{
    public static Command CreateList(CliContext context)
    {
        var limit = new Option<int>("--limit") { Description = "Devices per page.", DefaultValueFactory = _ => 100 };
        var after = new Option<string?>("--after") { Description = "Start after this device id (the cursor a previous page printed)." };
        var all = new Option<bool>("--all") { Description = "Follow the pages to the end." };
        var (server, apiKey, json) = (ServerOptions.Server(), ServerOptions.ApiKey(), ServerOptions.Json());
        var command = new Command("list", "List the devices the server knows, by id, one page at a time.") { limit, after, all, server, apiKey, json };
        command.SetAction(parse =>
        {
            int n = parse.GetValue(limit);
            if (n <= 0)
            {
                throw new UsageException("--limit must be positive");
            }

            using var client = ServerHttpClient.Create(parse.GetRequiredValue(server), ServerOptions.RequireApiKey(parse.GetValue(apiKey)));
            var devices = new List<DeviceSummary>();
            string? cursor = parse.GetValue(after);
            string? next;
            do
            {
                string url = $"api/devices?limit={n}" + (cursor is null ? "" : "&after=" + Uri.EscapeDataString(cursor));
                using var response = client.GetAsync(url).GetAwaiter().GetResult();
                ServerOptions.EnsureSuccessAsync(response, CancellationToken.None).GetAwaiter().GetResult();
                var page = response.Content.ReadFromJsonAsync(CliJsonContext.Default.DeviceSummaryArray).GetAwaiter().GetResult() ?? [];
                devices.AddRange(page);
                next = response.Headers.Contains("Link") && page.Length > 0 ? page[^1].Id : null;
                cursor = next;
            }
            while (parse.GetValue(all) && next is not null);

            if (parse.GetValue(json))
            {
                context.Out.WriteLine(JsonSerializer.Serialize(new DevicePage(devices, next), CliJsonContext.Default.DevicePage));
                return ExitCodes.Ok;
            }

            var table = new Table().AddColumns("Device", "Project", "Version", "State", "About", "Last seen");
            foreach (var d in devices)
            {
                table.AddRow(
                    Markup.Escape(d.Id),
                    Markup.Escape(d.Project ?? ""),
                    Markup.Escape(d.Version ?? ""),
                    Markup.Escape(d.State is { } s ? JsonSerializer.Serialize(s, OtaJsonContext.Default.DeviceReportKind).Trim('"') : "checking"),
                    Markup.Escape(d.StateVersion ?? ""),
                    d.LastSeen.ToString("u", CultureInfo.InvariantCulture));
            }

            context.Console.Write(table);
            if (next is not null)
            {
                context.Console.MarkupLine($"[grey]more: --after {Markup.Escape(next)}[/]");
            }

            return ExitCodes.Ok;
        });
        return command;
    }

    public static Command CreateShow(CliContext context)
    {
        var id = new Argument<string>("id") { Description = "The device id." };
        var (server, apiKey, json) = (ServerOptions.Server(), ServerOptions.ApiKey(), ServerOptions.Json());
        var command = new Command("show", "A device's state, history, labels and what the next update check would get (and why).") { id, server, apiKey, json };
        command.SetAction(parse =>
        {
            string device = Uri.EscapeDataString(parse.GetRequiredValue(id));
            using var client = ServerHttpClient.Create(parse.GetRequiredValue(server), ServerOptions.RequireApiKey(parse.GetValue(apiKey)));
            using var detailsResponse = client.GetAsync("api/devices/" + device).GetAwaiter().GetResult();
            ServerOptions.EnsureSuccessAsync(detailsResponse, CancellationToken.None).GetAwaiter().GetResult();
            var details = detailsResponse.Content.ReadFromJsonAsync(CliJsonContext.Default.DeviceDetails).GetAwaiter().GetResult()!;
            using var labelsResponse = client.GetAsync($"api/devices/{device}/labels").GetAwaiter().GetResult();
            ServerOptions.EnsureSuccessAsync(labelsResponse, CancellationToken.None).GetAwaiter().GetResult();
            var labels = labelsResponse.Content.ReadFromJsonAsync(CliJsonContext.Default.DeviceLabels).GetAwaiter().GetResult()!;
            using var decisionResponse = client.GetAsync($"api/devices/{device}/decision").GetAwaiter().GetResult();
            UpdateDecision? decision = decisionResponse.IsSuccessStatusCode ? decisionResponse.Content.ReadFromJsonAsync(CliJsonContext.Default.UpdateDecision).GetAwaiter().GetResult() : null;
            if (parse.GetValue(json))
            {
                context.Out.WriteLine(JsonSerializer.Serialize(new DeviceView(details.Device, labels, decision, details.History), CliJsonContext.Default.DeviceView));
                return ExitCodes.Ok;
            }

            var d = details.Device;
            context.Console.MarkupLine($"[bold]{Markup.Escape(d.Id)}[/]: {Markup.Escape(d.Project ?? "?")} {Markup.Escape(d.Version ?? "?")} on {Markup.Escape(d.Chip ?? "?")}, last seen {d.LastSeen:u}");
            context.Console.MarkupLine($"labels: group {Markup.Escape(labels.Group ?? "-")}, tags {Markup.Escape(string.Join(",", labels.Tags ?? []))}, pinned {Markup.Escape(labels.PinnedVersion ?? "-")}");
            if (decision is not null)
            {
                context.Console.MarkupLine($"next check: [bold]{Markup.Escape(decision.Offer is null ? "nothing" : "offer " + decision.Offer.Version)}[/] ({Markup.Escape(JsonSerializer.Serialize(decision.Rule, CliJsonContext.Default.DecisionRule).Trim('"'))})");
                foreach (var reason in decision.Reasons)
                {
                    context.Console.MarkupLine($"  - {Markup.Escape(reason)}");
                }
            }

            foreach (var e in details.History)
            {
                context.Console.MarkupLine($"[grey]{e.At:u}[/] {Markup.Escape(JsonSerializer.Serialize(e.Kind, OtaJsonContext.Default.DeviceReportKind).Trim('"'))} {Markup.Escape(e.Version ?? "")} {Markup.Escape(e.Reason ?? "")}");
            }

            return ExitCodes.Ok;
        });
        return command;
    }

    /// <summary>What <c>device list --json</c> prints.</summary>
    internal sealed record DevicePage(
        [property: System.Text.Json.Serialization.JsonPropertyName("devices")] IReadOnlyList<DeviceSummary> Devices,
        [property: System.Text.Json.Serialization.JsonPropertyName("next_after")] string? NextAfter);

    /// <summary>What <c>device show --json</c> prints.</summary>
    internal sealed record DeviceView(
        [property: System.Text.Json.Serialization.JsonPropertyName("device")] DeviceSummary Device,
        [property: System.Text.Json.Serialization.JsonPropertyName("labels")] DeviceLabels Labels,
        [property: System.Text.Json.Serialization.JsonPropertyName("decision")] UpdateDecision? Decision,
        [property: System.Text.Json.Serialization.JsonPropertyName("history")] IReadOnlyList<DeviceEvent> History);
}
