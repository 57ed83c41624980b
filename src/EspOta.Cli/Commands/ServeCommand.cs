using System.CommandLine;
using System.Text.Json.Nodes;
using System.Text.Json;
using EspOta.Server;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Spectre.Console;

namespace EspOta.Cli.Commands;

/// <summary><c>esp-ota serve</c>: runs the update server until Ctrl+C.</summary>
internal static class ServeCommand
{
    public static Command Create(CliContext context)
    {
        var data = new Option<DirectoryInfo>("--data") { Description = "Data folder (images, uploads in progress, the SQLite database). Or EspOta__DataDirectory." };
        var urls = new Option<string>("--urls")
        {
            Description = "Where to listen (';'-separated); else ASPNETCORE_URLS, else https://127.0.0.1:8443 with --cert, else http://127.0.0.1:8070 (plain HTTP needs --allow-http).",
        };
        var provider = new Option<EspOta.Server.Storage.StorageProvider?>("--database")
        {
            Description = "sqlite (default) or postgresql. Or EspOta__DatabaseProvider.",
            HelpName = "sqlite|postgresql",
        };
        var connection = new Option<string>("--connection-string")
        {
            Description = "ADO.NET connection string of the database (PostgreSQL: Host=…;Database=…;Username=…). Or EspOta__ConnectionString.",
        };
        var cdn = new Option<string>("--cdn-base-url")
        {
            Description = "Offer downloads from <url>/<sha256>.bin (a static server or CDN serving the images folder).",
        };
        var tls = ServeTlsOptions.Create();
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
            data, urls, provider, connection, cdn, apiKey, maxImage, verbose, json,
        };
        tls.AddTo(command);
        command.SetAction(parse =>
        {
            // --api-key, else ESPOTA_API_KEY, else EspOta__ApiKey / appsettings.json (the options' validation says when none is set).
            string? key = parse.GetValue(apiKey) is { Length: > 0 } given ? given : Environment.GetEnvironmentVariable(ServerOptions.ApiKeyVariable);
            if (string.IsNullOrEmpty(key) && string.IsNullOrEmpty(ConfiguredApiKey()))
            {
                throw new UsageException($"--api-key is required (or set {ServerOptions.ApiKeyVariable}, or EspOta:ApiKey in appsettings.json / EspOta__ApiKey)");
            }
            var folder = parse.GetValue(data);
            // --urls, else ASPNETCORE_URLS; either way plain HTTP must be allowed explicitly.
            string? address = parse.GetValue(urls) ?? (Environment.GetEnvironmentVariable("ASPNETCORE_URLS") is { Length: > 0 } fromEnvironment ? fromEnvironment : null);
            var (listen, tlsOptions) = tls.Resolve(parse, address);
            if (folder is not null && File.Exists(folder.FullName))
            {
                throw new EspOta.Cli.Files.FileProblemException($"data folder {folder.FullName} is a file, not a folder", ExitCodes.Usage);
            }

            try
            {
                folder?.Create();
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                throw new EspOta.Cli.Files.FileProblemException($"cannot create the data folder {folder!.FullName}: {e.Message}", ExitCodes.Failure, e);
            }
            var app = EspOtaServerHost.Create(
                listen,
                o =>
                {
                    // Only what was given on the command line overrides appsettings.json / environment variables.
                    if (folder is not null)
                    {
                        o.DataDirectory = folder.FullName;
                    }

                    if (!string.IsNullOrEmpty(key))
                    {
                        o.ApiKey = key;
                    }

                    if (parse.GetResult(maxImage) is { Implicit: false })
                    {
                        o.MaxImageSize = parse.GetValue(maxImage);
                    }

                    if (parse.GetValue(provider) is { } p)
                    {
                        o.DatabaseProvider = p;
                    }

                    if (parse.GetValue(connection) is { } c)
                    {
                        o.ConnectionString = c;
                    }

                    if (parse.GetValue(cdn) is { } u)
                    {
                        o.CdnBaseUrl = u;
                    }
                },
                tlsOptions,
                parse.GetValue(verbose) ? LogLevel.Information : LogLevel.Warning);
            app.Start();
            if (parse.GetValue(json))
            {
                context.Out.WriteLine(CliJson.FormatLine(new JsonObject { ["urls"] = CliJson.Strings(app.Urls), ["data"] = DataFolder(app) }));
            }
            else
            {
                context.Console.MarkupLineInterpolated($"[green]esp-ota server[/] listening on {string.Join(", ", app.Urls)}, data in {DataFolder(app)}; Ctrl+C stops it.");
            }

            context.Out.Flush();
            app.WaitForShutdown();
            return ExitCodes.Ok;
        });
        return command;
        }

    private static string? ConfiguredApiKey() => new Microsoft.Extensions.Configuration.ConfigurationBuilder()
        .AddJsonFile(Path.Combine(Environment.CurrentDirectory, "appsettings.json"), optional: true)
        .AddEnvironmentVariables()
        .Build()[$"{EspOtaServerServiceCollectionExtensions.ConfigurationSection}:ApiKey"];

    private static string DataFolder(Microsoft.AspNetCore.Builder.WebApplication app) =>
        Path.GetFullPath(app.Services.GetRequiredService<Microsoft.Extensions.Options.IOptions<EspOtaServerOptions>>().Value.DataDirectory);
}
