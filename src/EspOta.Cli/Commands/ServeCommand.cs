using System.CommandLine;
using System.Text.Json.Nodes;
using System.Text.Json;
using EspOta.Server;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Spectre.Console;

namespace EspOta.Cli.Commands;

/// <summary><c>esp-ota serve</c>: runs the update server until Ctrl+C.</summary>
internal static class ServeCommand
{
    public static Command Create(CliContext context)
    {
        var data = new Option<DirectoryInfo>("--data") { Description = "Data folder (SQLite database and images).", Required = true };
        var urls = new Option<string>("--urls")
        {
            Description = "Where to listen; loopback by default.",
            DefaultValueFactory = _ => "http://127.0.0.1:8070",
        };
        var apiKey = ServerOptions.ApiKey();
        var maxImage = new Option<long>("--max-image-size")
        {
            Description = "Largest accepted upload in bytes.",
            DefaultValueFactory = _ => new EspOtaServerOptions().MaxImageSize,
        };
        var verbose = new Option<bool>("--verbose") { Description = "Log every request." };
        var json = ServerOptions.Json();
        var command = new Command("serve", "Run the OTA update server (firmware repository, update checks, downloads, device reports).")
        {
            data, urls, apiKey, maxImage, verbose, json,
        };
        command.SetAction(parse =>
        {
            string key = ServerOptions.RequireApiKey(parse.GetValue(apiKey));
            var folder = parse.GetRequiredValue(data);
            if (File.Exists(folder.FullName))
            {
                throw new EspOta.Cli.Files.FileProblemException($"data folder {folder.FullName} is a file, not a folder", ExitCodes.Usage);
            }

            try
            {
                folder.Create();
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                throw new EspOta.Cli.Files.FileProblemException($"cannot create the data folder {folder.FullName}: {e.Message}", ExitCodes.Failure, e);
            }
            var app = EspOtaServerHost.Create(
                parse.GetRequiredValue(urls),
                o =>
                {
                    o.DataDirectory = folder.FullName;
                    o.ApiKey = key;
                    o.MaxImageSize = parse.GetValue(maxImage);
                },
                parse.GetValue(verbose) ? LogLevel.Information : LogLevel.Warning);
            app.Start();
            if (parse.GetValue(json))
            {
                context.Out.WriteLine(CliJson.FormatLine(new JsonObject { ["urls"] = CliJson.Strings(app.Urls), ["data"] = folder.FullName }));
            }
            else
            {
                context.Console.MarkupLineInterpolated($"[green]esp-ota server[/] listening on {string.Join(", ", app.Urls)}, data in {folder.FullName}; Ctrl+C stops it.");
            }

            context.Out.Flush();
            app.WaitForShutdown();
            return ExitCodes.Ok;
        });
        return command;
    }
}
