using EspOta.Cli.Files;
using System.CommandLine;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using EspOta.Server.Firmware;
using Spectre.Console;

namespace EspOta.Cli.Commands;

/// <summary><c>esp-ota firmware add|list</c>: the update server's firmware repository.</summary>
internal static class FirmwareCommand
{
    public static Command Create(CliContext context)
    {
        var command = new Command("firmware", "Upload and list firmware on an update server.");
        command.Subcommands.Add(CreateAdd(context));
        command.Subcommands.Add(CreateList(context));
        return command;
    }

    private static Command CreateAdd(CliContext context)
    {
        var file = new Argument<FileInfo>("image") { Description = "The app image (.bin) to upload." };
        var server = ServerOptions.Server();
        var apiKey = ServerOptions.ApiKey();
        var json = ServerOptions.Json();
        var add = new Command("add", "Upload an app image; the server verifies it and records project, version and chip.") { file, server, apiKey, json };
        add.SetAction(parse =>
        {
            var image = parse.GetRequiredValue(file);

            using var client = ServerHttpClient.Create(parse.GetRequiredValue(server), ServerOptions.RequireApiKey(parse.GetValue(apiKey)));
            using var stream = CliFiles.OpenRead(image, "app image");
            using var content = new StreamContent(stream, 1 << 16);
            content.Headers.ContentType = new MediaTypeHeaderValue("application/octet-stream");
            content.Headers.ContentLength = image.Length;
            using var response = client.PostAsync("api/firmware", content).GetAwaiter().GetResult();
            ServerOptions.EnsureSuccessAsync(response, CancellationToken.None).GetAwaiter().GetResult();
            var info = response.Content.ReadFromJsonAsync(CliJsonContext.Default.FirmwareInfo).GetAwaiter().GetResult()
                ?? throw new ServerProblemException((int)response.StatusCode, "the server answered an empty body");
            Write(context, parse.GetValue(json), [info]);
            return ExitCodes.Ok;
        });
        return add;
    }

    private static Command CreateList(CliContext context)
    {
        var server = ServerOptions.Server();
        var apiKey = ServerOptions.ApiKey();
        var json = ServerOptions.Json();
        var list = new Command("list", "List the firmware on the server.") { server, apiKey, json };
        list.SetAction(parse =>
        {
            using var client = ServerHttpClient.Create(parse.GetRequiredValue(server), ServerOptions.RequireApiKey(parse.GetValue(apiKey)));
            // The server pages its lists: follow Link rel="next" to the end.
            var infos = new List<FirmwareInfo>();
            string? next = "api/firmware";
            while (next is not null)
            {
                using var response = client.GetAsync(next).GetAwaiter().GetResult();
                ServerOptions.EnsureSuccessAsync(response, CancellationToken.None).GetAwaiter().GetResult();
                infos.AddRange(response.Content.ReadFromJsonAsync(CliJsonContext.Default.FirmwareInfoArray).GetAwaiter().GetResult() ?? []);
                next = response.Headers.TryGetValues("Link", out var links)
                    ? links.Select(l => System.Text.RegularExpressions.Regex.Match(l, "^<([^>]+)>;\\s*rel=\"next\"$")).FirstOrDefault(m => m.Success)?.Groups[1].Value.TrimStart('/')
                    : null;
            }

            Write(context, parse.GetValue(json), infos);
            return ExitCodes.Ok;
        });
        return list;
    }

    private static void Write(CliContext context, bool json, IReadOnlyList<FirmwareInfo> infos)
    {
        if (json)
        {
            context.Out.WriteLine(JsonSerializer.Serialize(infos.ToArray(), CliJsonContext.Default.FirmwareInfoArray));
            return;
        }

        var table = new Table().AddColumns("Project", "Version", "Secure ver.", "Chip", "Size", "SHA-256", "Uploaded");
        foreach (var f in infos)
        {
            table.AddRow(
                Markup.Escape(f.Project),
                Markup.Escape(f.Version),
                f.SecureVersion.ToString(System.Globalization.CultureInfo.InvariantCulture),
                f.Chip,
                f.Size.ToString(System.Globalization.CultureInfo.InvariantCulture),
                f.Sha256,
                f.UploadedAt.ToString("u", System.Globalization.CultureInfo.InvariantCulture));
        }

        context.Console.Write(table);
    }
}
