using System.CommandLine;
using EspOta.Partitions;
using Spectre.Console;

namespace EspOta.Cli.Commands;

/// <summary><c>esp-ota partitions …</c>: the <c>gen_esp32part.py</c> verbs.</summary>
internal static class PartitionsCommand
{
    public static Command Create(CliContext context)
    {
        var command = new Command("partitions", "Read, write and check partition tables (gen_esp32part.py).");
        command.Subcommands.Add(CreateShow(context));
        return command;
    }

    private static Command CreateShow(CliContext context)
    {
        var input = new Argument<FileInfo>("input") { Description = "A binary partition table." };
        var show = new Command("show", "Show a partition table.") { input };
        show.SetAction(parse =>
        {
            var file = parse.GetRequiredValue(input);
            var table = PartitionTable.FromBinary(File.ReadAllBytes(file.FullName));
            var grid = new Table().AddColumns("Name", "Type", "SubType", "Offset", "Size");
            foreach (var p in table.Partitions)
            {
                grid.AddRow(Markup.Escape(p.Label), $"0x{(byte)p.Type:x2}", $"0x{p.Subtype:x2}", $"0x{p.Offset:x}", $"0x{p.Size:x}");
            }

            context.Console.Write(grid);
            return ExitCodes.Ok;
        });
        return show;
    }
}
