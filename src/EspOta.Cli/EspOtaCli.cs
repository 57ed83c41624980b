using System.CommandLine;
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
            foreach (var e in parsed.Errors)
            {
                error.WriteLine($"esp-ota: {e.Message}");
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
        return root;
    }
}
