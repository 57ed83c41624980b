using System.CommandLine;
using System.Text.Json.Nodes;
using System.Text.Json;
using EspOta.Boot;
using EspOta.Flash;
using EspOta.Images;
using EspOta.OtaData;
using EspOta.Partitions;
using EspOta.Updates;
using Spectre.Console;

namespace EspOta.Cli.Commands;

/// <summary><c>esp-ota otadata show|switch|erase</c>: otatool.py's read_otadata, switch_ota_partition, erase_otadata.</summary>
internal static class OtaDataCommand
{
    public static Command Create(CliContext context)
    {
        var command = new Command("otadata", "Read and change the OTA data partition of a flash image (otatool.py).");
        command.Subcommands.Add(CreateShow(context));
        command.Subcommands.Add(CreateSwitch(context));
        command.Subcommands.Add(CreateErase(context));
        command.Subcommands.Add(OtaDataDoctorCommand.Create(context));
        return command;
    }

    private static Command CreateShow(CliContext context)
    {
        var input = new Argument<FileInfo>("image") { Description = "A whole flash image." };
        var bootOptions = new FlashImageFiles.BootOptionSet();
        var json = new Option<bool>("--json") { Description = "Machine-readable output." };
        var show = new Command("show", "Show both otadata copies, the active one and the partition it selects.") { input, json };
        bootOptions.AddTo(show);
        show.SetAction(parse =>
        {
            var file = parse.GetRequiredValue(input);
            var options = bootOptions.Read(parse);
            var efuse = bootOptions.ReadEfuse(parse);
            var flash = FlashImageFiles.Load(file, options.PartitionTableOffset);
            var selection = OpenSelection(flash, options);
            var otaData = selection.OpenOtaData()!;
            var entries = otaData.ReadBoth();
            int active = OtaSelection.ActiveIndex(entries);
            int count = selection.AppPartitionCount;
            var boot = selection.BootPartition();
            var copies = entries.Select((e, i) => new
            {
                copy = i,
                address = otaData.SectorAddress(i),
                sequence = e.Sequence,
                state = (uint)e.State,
                stateName = OtaSelectEntry.StateName(e.State),
                crc = e.Crc,
                crcValid = e.IsCrcValid,
                valid = e.IsValid,
                active = i == active,
                slot = count > 0 && e.Sequence != OtaSelectEntry.EmptySequence ? $"ota_{e.SlotIndex(count)}" : null,
                raw = Convert.ToHexStringLower(e.ToArray()),
            }).ToArray();
            if (parse.GetValue(json))
            {
                context.Out.WriteLine(CliJson.Format(new JsonObject
                {
                    ["image"] = file.FullName,
                    ["otadata"] = otaData.Partition.Label,
                    ["ota_slots"] = count,
                    ["active_copy"] = active,
                    ["boot_partition"] = boot?.Label,
                    ["copies"] = CliJson.Array(copies, c => new JsonObject
                    {
                        ["copy"] = c.copy,
                        ["address"] = c.address,
                        ["sequence"] = c.sequence,
                        ["state"] = c.state,
                        ["state_name"] = c.stateName,
                        ["crc"] = c.crc,
                        ["crc_valid"] = c.crcValid,
                        ["valid"] = c.valid,
                        ["active"] = c.active,
                        ["slot"] = c.slot,
                        ["raw"] = c.raw,
                    }),
                }));
                return ExitCodes.Ok;
            }

            var grid = new Table().AddColumns("Copy", "Address", "Seq", "State", "CRC", "Valid", "Selects");
            foreach (var c in copies)
            {
                grid.AddRow(
                    c.active ? $"{c.copy} (active)" : c.copy.ToString(),
                    $"0x{c.address:x}",
                    $"0x{c.sequence:x8}",
                    c.stateName,
                    $"0x{c.crc:x8}{(c.crcValid ? "" : " (bad)")}",
                    c.valid ? "yes" : "no",
                    c.slot ?? "-");
            }

            context.Console.Write(grid);
            context.Console.WriteLine($"{count} OTA slot(s); boot partition per otadata: {boot?.Label ?? "none"}");
            return ExitCodes.Ok;
        });
        return show;
    }

    private static Command CreateSwitch(CliContext context)
    {
        var slot = new Argument<string>("slot") { Description = "factory, ota_N, N, or a partition label." };
        var input = new Argument<FileInfo>("image") { Description = "A whole flash image (changed in place)." };
        var noValidate = new Option<bool>("--no-validate") { Description = "Do not verify the app image first (otatool.py does not)." };
        var bootOptions = new FlashImageFiles.BootOptionSet();
        var json = new Option<bool>("--json") { Description = "Machine-readable output." };
        var command = new Command("switch", "Make a partition boot next, as esp_ota_set_boot_partition does.") { slot, input, noValidate, json };
        bootOptions.AddTo(command);
        command.SetAction(parse =>
        {
            var file = parse.GetRequiredValue(input);
            var options = bootOptions.Read(parse);
            var efuse = bootOptions.ReadEfuse(parse);
            var flash = FlashImageFiles.Load(file, options.PartitionTableOffset);
            var (table, otaData, ota) = Open(flash, options, efuse);
            string name = parse.GetRequiredValue(slot);
            var target = int.TryParse(name, out int n)
                ? table.FindFirst(PartitionType.App, (byte)(PartitionSubtypes.AppOtaMin + n)) ?? throw new UsageException($"no ota_{n} partition")
                : FlashImageFiles.RequirePartition(table, name);
            ota.SetBootPartition(target, validate: !parse.GetValue(noValidate));
            FlashImageFiles.Save(file, flash, file.Length);
            var entries = otaData.ReadBoth();
            if (parse.GetValue(json))
            {
                context.Out.WriteLine(CliJson.Format(new JsonObject
                {
                    ["image"] = file.FullName,
                    ["switched_to"] = target.Label,
                    ["boot_partition"] = ota.GetBootPartition()?.Label,
                    ["copies"] = CliJson.Strings(entries.Select(e => Convert.ToHexStringLower(e.ToArray()))),
                }));
            }
            else
            {
                context.Console.WriteLine($"{target.Label} now boots next (otadata: {entries[0]} | {entries[1]})");
            }

            return ExitCodes.Ok;
        });
        return command;
    }

    private static Command CreateErase(CliContext context)
    {
        var input = new Argument<FileInfo>("image") { Description = "A whole flash image (changed in place)." };
        var bootOptions = new FlashImageFiles.BootOptionSet();
        var json = new Option<bool>("--json") { Description = "Machine-readable output." };
        var command = new Command("erase", "Erase the otadata partition: the factory app (or ota_0) boots next.") { input, json };
        bootOptions.AddTo(command);
        command.SetAction(parse =>
        {
            var file = parse.GetRequiredValue(input);
            var options = bootOptions.Read(parse);
            var efuse = bootOptions.ReadEfuse(parse);
            var flash = FlashImageFiles.Load(file, options.PartitionTableOffset);
            var otaData = OpenSelection(flash, options).OpenOtaData()!;
            otaData.EraseAll();
            FlashImageFiles.Save(file, flash, file.Length);
            if (parse.GetValue(json))
            {
                context.Out.WriteLine(CliJson.Format(new JsonObject { ["image"] = file.FullName, ["erased"] = otaData.Partition.Label, ["offset"] = otaData.Partition.Offset, ["size"] = otaData.Partition.Size }));
            }
            else
            {
                context.Console.WriteLine($"erased {otaData.Partition.Label} (0x{otaData.Partition.Offset:x}+0x{otaData.Partition.Size:x})");
            }

            return ExitCodes.Ok;
        });
        return command;
    }

    /// <summary>The offline table + otadata view (otatool.py's): no app runs, nothing is faked.</summary>
    private static OtaSelection OpenSelection(MemoryFlash flash, BootOptions options)
    {
        var selection = new OtaSelection(flash, FlashImageFiles.ReadTable(flash, options.PartitionTableOffset));
        return selection.OtaDataPartition is null
            ? throw new EspException(EspError.NotFound, "the partition table has no otadata (data/ota) partition")
            : selection;
    }

    /// <summary>
    /// The table, the otadata partition and the offline OTA API (otatool-style: no running app) over
    /// an image.
    /// </summary>
    private static (PartitionTable Table, OtaDataPartition OtaData, OtaOperations Ota) Open(MemoryFlash flash, BootOptions options, Efuse efuse)
    {
        var table = FlashImageFiles.ReadTable(flash, options.PartitionTableOffset);
        var otaPartition = table.FindFirst(PartitionType.Data, PartitionSubtypes.DataOta)
            ?? throw new EspException(EspError.NotFound, "the partition table has no otadata (data/ota) partition");
        var ota = OtaOperations.Offline(flash, table, options, EspImageValidator.Default, efuse);
        return (table, new OtaDataPartition(flash, otaPartition), ota);
    }
}
