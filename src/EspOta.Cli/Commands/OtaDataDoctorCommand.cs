using System.CommandLine;
using System.Text.Json.Nodes;
using EspOta.Doctor;
using EspOta.Flash;
using EspOta.Partitions;
using Spectre.Console;

namespace EspOta.Cli.Commands;

/// <summary><c>esp-ota otadata doctor</c>: explain an otadata partition, and repair it to boot a chosen slot.</summary>
internal static class OtaDataDoctorCommand
{
    public static Command Create(CliContext context)
    {
        var input = new Argument<FileInfo>("image") { Description = "A whole flash image, or a dump of just the otadata partition (then give --table)." };
        var table = new Option<FileInfo?>("--table") { Description = "The partition table (binary or CSV) for a dump of the otadata partition alone; images are then not checked." };
        var tableOffset = new Option<string>("--table-offset") { Description = "Offset of the partition table in a flash image.", DefaultValueFactory = _ => "0x8000" };
        var repair = new Option<bool>("--repair") { Description = "Write a consistent otadata that boots the slot given by --select (the file is changed in place)." };
        var select = new Option<string?>("--select") { Description = "With --repair: the app partition to boot (ota_N or factory); its image must verify." };
        var dryRun = new Option<bool>("--dry-run") { Description = "With --repair: show the bytes that would change, write nothing." };
        var json = new Option<bool>("--json") { Description = "Machine-readable output." };
        var command = new Command("doctor", "Explain the otadata: both sectors, which wins and why, what boots with rollback off and on, and the hazards; --repair --select ota_N fixes it.")
        {
            input, table, tableOffset, repair, select, dryRun, json,
        };
        command.SetAction(parse =>
        {
            var file = parse.GetRequiredValue(input);
            if (!file.Exists)
            {
                throw new FileNotFoundException($"{file.FullName} does not exist", file.FullName);
            }

            uint offset = (uint)SizeArgument.Parse(parse.GetValue(tableOffset)!, "--table-offset", max: uint.MaxValue);
            bool doRepair = parse.GetValue(repair);
            string? target = parse.GetValue(select);
            if (doRepair != (target is not null))
            {
                throw new UsageException("--repair and --select go together");
            }

            if (parse.GetValue(dryRun) && !doRepair)
            {
                throw new UsageException("--dry-run needs --repair");
            }

            var (flash, otaDataOnly, otaDataOffset) = Load(file, parse.GetValue(table), offset);
            var diagnosis = OtaDataDoctor.Diagnose(flash, offset, imagesAvailable: !otaDataOnly);
            OtaDataRepair? fix = null;
            if (doRepair)
            {
                fix = OtaDataDoctor.Repair(flash, target!, parse.GetValue(dryRun), offset, imagesAvailable: !otaDataOnly);
                if (fix.Applied)
                {
                    Save(file, flash, otaDataOnly, otaDataOffset);
                }
            }

            if (parse.GetValue(json))
            {
                context.Out.WriteLine(ToJson(file, diagnosis, fix).ToJsonString(new System.Text.Json.JsonSerializerOptions { WriteIndented = true }));
            }
            else
            {
                WriteText(context, diagnosis, fix);
            }

            return ExitCodes.Ok;
        });
        return command;
    }

    private static (MemoryFlash Flash, bool OtaDataOnly, long OtaDataOffset) Load(FileInfo file, FileInfo? tableFile, uint tableOffset)
    {
        if (tableFile is null)
        {
            var whole = FlashImageFiles.Load(file, tableOffset);
            var t = FlashImageFiles.ReadTable(whole, tableOffset);
            return (whole, false, t.FindFirst(PartitionType.Data, PartitionSubtypes.DataOta)?.Offset ?? 0);
        }

        if (!tableFile.Exists)
        {
            throw new FileNotFoundException($"{tableFile.FullName} does not exist", tableFile.FullName);
        }

        var table = PartitionTableConverter.Convert(File.ReadAllBytes(tableFile.FullName), new PartitionTableOptions { Quiet = true, TableOffset = tableOffset }).Table;
        var otaData = table.FindFirst(PartitionType.Data, PartitionSubtypes.DataOta)
            ?? throw new EspException(EspError.NotFound, "the partition table has no otadata (data/ota) partition");
        var dump = File.ReadAllBytes(file.FullName);
        if (dump.Length != otaData.Size)
        {
            throw new UsageException($"with --table the input must be the otadata partition ({otaData.Size} bytes), got {dump.Length} bytes");
        }

        // A chip that holds the table and the dump where they belong; the apps are absent.
        long size = Math.Max(otaData.End, tableOffset + 0x1000L);
        size = Math.Max(size, table.Partitions.Max(p => p.End));
        var flash = new MemoryFlash((size + 0xFFF) / 0x1000 * 0x1000, strict: false);
        flash.Write(tableOffset, table.ToBinary());
        flash.Write(otaData.Offset, dump);
        return (flash, true, otaData.Offset);
    }

    private static void Save(FileInfo file, MemoryFlash flash, bool otaDataOnly, long otaDataOffset)
    {
        if (!otaDataOnly)
        {
            FlashImageFiles.Save(file, flash, file.Length);
            return;
        }

        var bytes = flash.Contents.Slice((int)otaDataOffset, (int)file.Length).ToArray();
        string temp = Path.Combine(file.DirectoryName ?? ".", $".{file.Name}.{Environment.ProcessId}.tmp");
        using (var stream = new FileStream(temp, FileMode.Create, FileAccess.Write, FileShare.None))
        {
            stream.Write(bytes);
            stream.Flush(flushToDisk: true);
        }

        File.Move(temp, file.FullName, overwrite: true);
    }

    private static void WriteText(CliContext context, OtaDataDiagnosis d, OtaDataRepair? fix)
    {
        var grid = new Table().AddColumns("Copy", "Address", "Seq", "State", "CRC", "Label", "Selects", "Image");
        foreach (var c in d.Copies)
        {
            grid.AddRow(
                c.Copy == d.ActiveCopy ? $"{c.Copy} (wins)" : $"{c.Copy}",
                $"0x{c.Address:x}",
                c.Erased ? "erased" : $"0x{c.Entry.Sequence:x8}",
                c.Erased ? "-" : c.StateName,
                c.Erased ? "-" : c.Entry.IsCrcValid ? "ok" : "[red]bad[/]",
                Markup.Escape(c.Erased ? "-" : c.LabelText),
                c.SelectedSlot is { } s ? $"ota_{s}" : "-",
                c.SlotImageVerifies switch { true => "verifies", false => "[red]does not verify[/]", null => "-" });
        }

        context.Console.Write(grid);
        context.Console.WriteLine($"{d.OtaDataLabel}: {d.SlotCount} OTA slot(s), factory {(d.HasFactory ? "present" : "absent")}{(d.ImagesChecked ? "" : "; images not available: assumed to verify")}");
        context.Console.WriteLine($"winner: {d.ActiveReason}");
        foreach (var p in new[] { d.RollbackOff, d.RollbackOn })
        {
            context.Console.WriteLine($"rollback {(p.Rollback ? "on " : "off")}: boots {p.Booted ?? "nothing"}{(p.Agrees ? "" : $" (reasoning said {p.Predicted ?? "nothing"}!)")}");
            foreach (string reason in p.Reasons)
            {
                context.Console.WriteLine($"  - {reason}");
            }
        }

        context.Console.WriteLine(d.Hazards.Count == 0 ? "hazards: none" : "hazards:");
        foreach (string h in d.Hazards)
        {
            context.Console.WriteLine($"  ! {h}");
        }

        if (fix is not null)
        {
            context.Console.WriteLine(fix.Copy < 0
                ? $"repair: erase both otadata sectors so that {fix.Target} boots{(fix.Applied ? "" : " (dry run: nothing written)")}"
                : $"repair: copy {fix.Copy} at 0x{fix.SectorAddress:x} := {fix.Entry} → {fix.Target}{(fix.Applied ? "" : " (dry run: nothing written)")}");
            foreach (var change in fix.Changes)
            {
                context.Console.WriteLine($"  0x{change.Address:x}: {Convert.ToHexStringLower(change.Old.Span)} -> {Convert.ToHexStringLower(change.New.Span)}");
            }
        }
    }

    private static JsonObject ToJson(FileInfo file, OtaDataDiagnosis d, OtaDataRepair? fix) => new()
    {
        ["image"] = file.FullName,
        ["otadata"] = d.OtaDataLabel,
        ["ota_slots"] = d.SlotCount,
        ["factory"] = d.HasFactory,
        ["images_checked"] = d.ImagesChecked,
        ["copies"] = new JsonArray([.. d.Copies.Select(c => (JsonNode)new JsonObject
        {
            ["copy"] = c.Copy,
            ["address"] = c.Address,
            ["erased"] = c.Erased,
            ["torn"] = c.Torn,
            ["seq"] = c.Entry.Sequence,
            ["state"] = c.StateName,
            ["crc"] = c.Entry.Crc,
            ["crc_ok"] = c.Entry.IsCrcValid,
            ["label"] = c.LabelText,
            ["selects"] = c.SelectedSlot is { } s ? $"ota_{s}" : null,
            ["image_verifies"] = c.SlotImageVerifies,
            ["raw"] = Convert.ToHexStringLower(c.Entry.ToArray()),
        })]),
        ["active_copy"] = d.ActiveCopy,
        ["active_reason"] = d.ActiveReason,
        ["boot"] = new JsonArray([.. new[] { d.RollbackOff, d.RollbackOn }.Select(p => (JsonNode)new JsonObject
        {
            ["rollback"] = p.Rollback,
            ["boots"] = p.Booted,
            ["predicted"] = p.Predicted,
            ["agrees"] = p.Agrees,
            ["reasons"] = new JsonArray([.. p.Reasons.Select(r => (JsonNode)r)]),
        })]),
        ["hazards"] = new JsonArray([.. d.Hazards.Select(h => (JsonNode)h)]),
        ["repair"] = fix is null ? null : new JsonObject
        {
            ["target"] = fix.Target,
            ["copy"] = fix.Copy,
            ["sector_address"] = fix.SectorAddress,
            ["entry"] = fix.Copy < 0 ? null : Convert.ToHexStringLower(fix.Entry.ToArray()),
            ["applied"] = fix.Applied,
            ["changes"] = new JsonArray([.. fix.Changes.Select(c => (JsonNode)new JsonObject
            {
                ["address"] = c.Address,
                ["old"] = Convert.ToHexStringLower(c.Old.Span),
                ["new"] = Convert.ToHexStringLower(c.New.Span),
            })]),
        },
    };
}
