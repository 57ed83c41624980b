using System.CommandLine;
using System.CommandLine.Parsing;
using EspOta.Cli.Commands;

namespace EspOta.Cli;

/// <summary>Builds and runs the <c>esp-ota</c> command tree; the entry point tests call in-process.</summary>
public static class EspOtaCli
{
    /// <summary>Runs <c>esp-ota</c> with <paramref name="args"/>, writing to the given writers; returns the exit code.</summary>
    public static int Run(string[] args, TextWriter output, TextWriter error, bool interactive = false)
    {
        var context = new CliContext(output, error, interactive);
        var root = BuildRoot(context);
        var parsed = root.Parse(args);
        if (parsed.Errors.Count > 0)
        {
            var command = parsed.CommandResult.Command;
            bool onlyMissingSubcommand = command.Action is null && command.Subcommands.Count > 0;
            foreach (var e in parsed.Errors)
            {
                // "Required command was not provided" says less than the help that follows it.
                if (onlyMissingSubcommand && e.SymbolResult is CommandResult && e.Message.Contains("Required command", StringComparison.Ordinal))
                {
                    continue;
                }

                error.WriteLine($"esp-ota: {ParseErrors.Explain(e)}");
            }

            if (onlyMissingSubcommand)
            {
                // `esp-ota`, `esp-ota partitions` or an unknown command: show what there is.
                root.Parse([.. CommandPath(parsed.CommandResult), "--help"]).Invoke(new InvocationConfiguration { Output = output, Error = error });
                return args.Length == 0 ? ExitCodes.Ok : ExitCodes.Usage;
            }

            return ExitCodes.Usage;
        }

        try
        {
            return parsed.Invoke(new InvocationConfiguration { Output = output, Error = error, EnableDefaultExceptionHandler = false });
        }
        catch (Exception ex)
        {
            return ErrorReporter.Report(ex, context);
        }
    }

    private static List<string> CommandPath(CommandResult result)
    {
        var path = new List<string>();
        for (var r = result; r?.Parent is not null; r = r.Parent as CommandResult)
        {
            path.Insert(0, r.Command.Name);
        }

        return path;
    }

    /// <summary>The command tree.</summary>
    public static RootCommand BuildRoot(CliContext context)
    {
        var root = new RootCommand("esp-ota: ESP-IDF OTA tools — partition tables, app images, otadata, OTA updates.");
        root.Subcommands.Add(PartitionsCommand.Create(context));
        root.Subcommands.Add(ImageCommand.Create(context));
        root.Subcommands.Add(FlashCommand.Create(context));
        root.Subcommands.Add(OtaDataCommand.Create(context));
        root.Subcommands.Add(OtaCommand.Create(context));
        root.Subcommands.Add(TortureCommand.Create(context));
        root.Subcommands.Add(ServeCommand.Create(context));
        root.Subcommands.Add(FirmwareCommand.Create(context));
        root.Subcommands.Add(DeviceCommand.Create(context));
        root.Subcommands.Add(DemoCommand.Create(context));
        root.Subcommands.Add(RolloutCommand.Create(context));
        root.Subcommands.Add(DeltaCommand.Create(context));
        root.Subcommands.Add(KeyCommand.Create(context));
        root.Subcommands.Add(CertsCommand.Create(context));
        root.Subcommands.Add(PartitionCommand.Create(context));
        root.Subcommands.Add(ImageCommand.CreateInfo(context, "image-info"));
        return root;
    }
}
