using System.CommandLine;
using System.Text.Json.Nodes;
using EspOta.Cli.Files;
using EspOta.Flash;
using EspOta.Partitions;

namespace EspOta.Cli.Commands;

/// <summary>
/// <c>esp-ota partition read|write|erase|info</c>: ESP-IDF parttool.py's read_partition,
/// write_partition, erase_partition and get_partition_info, on a flash image file instead of a chip;
/// and the same verbs for OTA slots (otatool.py's read/write/erase_ota_partition) under <c>esp-ota ota</c>.
/// </summary>
internal static class PartitionCommand
{
    public static Command Create(CliContext context)
    {
        var command = new Command("partition", "Read, write, erase and describe one partition of a flash image (parttool.py).");
        command.Subcommands.Add(CreateRead(context, ota: false));
        command.Subcommands.Add(CreateWrite(context, ota: false));
        command.Subcommands.Add(CreateErase(context, ota: false));
        command.Subcommands.Add(CreateInfo(context));
        return command;
    }

    /// <summary>otatool.py's read_ota_partition, write_ota_partition, erase_ota_partition (added to <c>esp-ota ota</c>).</summary>
    public static IEnumerable<Command> OtaSlotCommands(CliContext context) =>
        [CreateRead(context, ota: true), CreateWrite(context, ota: true), CreateErase(context, ota: true)];

    /// <summary>How a partition is named on the command line: parttool's --partition-name / --partition-type + --partition-subtype, otatool's --slot / --name.</summary>
    private sealed class Selector
    {
        private readonly bool _ota;
        private readonly Option<string?> _name = new("--name", "--partition-name", "-n") { Description = "The partition's label." };
        private readonly Option<string?> _type = new("--type", "--partition-type", "-t") { Description = "The partition's type: app, data, bootloader, partition_table or a number." };
        private readonly Option<string?> _subtype = new("--subtype", "--partition-subtype", "-s") { Description = "The partition's subtype: factory, ota_0, nvs, … or a number (with --type; default: the first of the type)." };
        private readonly Option<int?> _slot = new("--slot") { Description = "The OTA slot number (ota_N)." };
        private readonly Option<string> _tableOffset = new("--table-offset", "--partition-table-offset") { Description = "Offset of the partition table.", DefaultValueFactory = _ => "0x8000" };

        public Selector(bool ota) => _ota = ota;

        public void AddTo(Command command)
        {
            command.Options.Add(_name);
            if (_ota)
            {
                command.Options.Add(_slot);
            }
            else
            {
                command.Options.Add(_type);
                command.Options.Add(_subtype);
            }

            command.Options.Add(_tableOffset);
        }

        public long TableOffset(ParseResult parse) => SizeArgument.Parse(parse.GetValue(_tableOffset)!, "--table-offset", max: uint.MaxValue);

        public Partition Find(ParseResult parse, PartitionTable table)
        {
            string? name = parse.GetValue(_name);
            if (_ota)
            {
                int? slot = parse.GetValue(_slot);
                if ((name is null) == (slot is null))
                {
                    throw new UsageException("give either --slot N or --name LABEL");
                }

                var p = name is not null
                    ? FlashImageFiles.RequirePartition(table, name)
                    : table.FindFirst(PartitionType.App, (byte)(PartitionSubtypes.AppOtaMin + slot!.Value))
                      ?? throw new UsageException($"no ota_{slot} partition in the partition table");
                return p.IsOtaSlot ? p : throw new UsageException($"{p.Label} is not an OTA slot (ota_0 … ota_15)");
            }

            string? type = parse.GetValue(_type);
            if ((name is null) == (type is null))
            {
                throw new UsageException("give either --name LABEL or --type TYPE [--subtype SUBTYPE]");
            }

            if (name is not null)
            {
                return FlashImageFiles.RequirePartition(table, name);
            }

            var keywords = PartitionKeywords.Default;
            long typeValue = Number(type!, keywords.Types, "--type");
            string? subtype = parse.GetValue(_subtype);
            byte? subtypeValue = subtype is null ? null : (byte)Number(subtype, keywords.SubtypesOf(typeValue), "--subtype");
            return table.FindFirst((PartitionType)typeValue, subtypeValue)
                ?? throw new UsageException($"no partition of type {type}{(subtype is null ? "" : $" subtype {subtype}")} in the partition table");
        }

        private static long Number(string text, IReadOnlyList<KeyValuePair<string, long>> names, string option)
        {
            foreach (var (key, value) in names)
            {
                if (key.Equals(text, StringComparison.OrdinalIgnoreCase))
                {
                    return value;
                }
            }

            return SizeArgument.Parse(text, option, max: 0xFE);
        }
    }

    private static (MemoryFlash Flash, Partition Partition, long Length) Open(FileInfo file, Selector selector, ParseResult parse)
    {
        long tableOffset = selector.TableOffset(parse);
        var flash = FlashImageFiles.Load(file, tableOffset);
        var table = FlashImageFiles.ReadTable(flash, tableOffset);
        var partition = selector.Find(parse, table);
        if (partition.End > flash.Size)
        {
            throw new EspException(EspError.InvalidSize, $"{partition.Label} (0x{partition.Offset:x}+0x{partition.Size:x}) lies beyond the flash image's 0x{flash.Size:x} bytes");
        }

        return (flash, partition, file.Length);
    }

    private static Argument<FileInfo> ImageArgument(string description) => new("image") { Description = description };

    private static Command CreateRead(CliContext context, bool ota)
    {
        var image = ImageArgument("A whole flash image.");
        var output = new Option<FileInfo>("--output", "-o") { Description = "Where to write the partition's bytes.", Required = true };
        var selector = new Selector(ota);
        var command = new Command("read", ota ? "Copy an OTA slot out of a flash image (otatool.py read_ota_partition)." : "Copy a partition out of a flash image (parttool.py read_partition).") { image, output };
        selector.AddTo(command);
        command.SetAction(parse =>
        {
            var (flash, partition, _) = Open(parse.GetRequiredValue(image), selector, parse);
            var bytes = flash.Contents.Slice((int)partition.Offset, (int)partition.Size);
            var target = parse.GetRequiredValue(output);
            CliFiles.WriteAtomic(target.FullName, bytes, $"contents of {partition.Label}");
            context.Out.WriteLine($"Read partition '{partition.Label}' (0x{partition.Offset:x}+0x{partition.Size:x}) into {target.FullName}");
            return ExitCodes.Ok;
        });
        return command;
    }

    private static Command CreateWrite(CliContext context, bool ota)
    {
        var image = ImageArgument("A whole flash image (changed in place).");
        var input = new Option<FileInfo>("--input", "-i") { Description = "The bytes to write at the start of the partition (the rest is erased).", Required = true };
        var noVerify = new Option<bool>("--no-verify") { Description = "Write into an OTA slot without checking that the input is an app image." };
        var selector = new Selector(ota);
        var command = new Command("write", ota ? "Erase an OTA slot of a flash image and write a file into it (otatool.py write_ota_partition)." : "Erase a partition of a flash image and write a file into it (parttool.py write_partition).") { image, input };
        selector.AddTo(command);
        if (ota)
        {
            command.Options.Add(noVerify);
        }

        command.SetAction(parse =>
        {
            var file = parse.GetRequiredValue(image);
            var (flash, partition, length) = Open(file, selector, parse);
            var inputFile = parse.GetRequiredValue(input);
            var data = CliFiles.Read(inputFile, "input");
            if (data.Length > partition.Size)
            {
                throw new UsageException($"input is {data.Length} (0x{data.Length:x}) bytes; partition '{partition.Label}' holds only 0x{partition.Size:x}");
            }

            if (ota && !parse.GetValue(noVerify))
            {
                // An OTA slot is only worth writing with an image the bootloader would boot.
                var verification = EspOta.Images.ImageVerifier.Verify(data, new EspOta.Images.ImageVerifyOptions());
                if (!verification.IsValid)
                {
                    throw new EspException(
                        verification.Error,
                        $"input {inputFile.FullName} is not a valid app image ({verification.FailedCheck} at offset 0x{verification.FailureOffset:x}: {verification.FailureMessage}); --no-verify writes it anyway");
                }
            }

            EraseRange(flash, partition);
            flash.Write(partition.Offset, data);
            FlashImageFiles.Save(file, flash, length);
            context.Out.WriteLine($"Wrote {data.Length} bytes to partition '{partition.Label}' (0x{partition.Offset:x}+0x{partition.Size:x})");
            return ExitCodes.Ok;
        });
        return command;
    }

    private static Command CreateErase(CliContext context, bool ota)
    {
        var image = ImageArgument("A whole flash image (changed in place).");
        var selector = new Selector(ota);
        var command = new Command("erase", ota ? "Erase an OTA slot of a flash image to 0xFF (otatool.py erase_ota_partition)." : "Erase a partition of a flash image to 0xFF (parttool.py erase_partition).") { image };
        selector.AddTo(command);
        command.SetAction(parse =>
        {
            var file = parse.GetRequiredValue(image);
            var (flash, partition, length) = Open(file, selector, parse);
            EraseRange(flash, partition);
            FlashImageFiles.Save(file, flash, length);
            context.Out.WriteLine($"Erased partition '{partition.Label}' (0x{partition.Offset:x}+0x{partition.Size:x})");
            return ExitCodes.Ok;
        });
        return command;
    }

    private static readonly string[] InfoFields = ["name", "type", "subtype", "offset", "size", "encrypted"];

    private static Command CreateInfo(CliContext context)
    {
        var image = ImageArgument("A whole flash image.");
        var info = new Option<string[]>("--info") { Description = "Which facts, in this order (default: all): name type subtype offset size encrypted.", AllowMultipleArgumentsPerToken = true };
        info.AcceptOnlyFromAmong(InfoFields);
        var json = new Option<bool>("--json") { Description = "Machine-readable output." };
        var selector = new Selector(ota: false);
        var command = new Command("info", "Print facts about one partition of a flash image, space-separated (parttool.py get_partition_info).") { image, info, json };
        selector.AddTo(command);
        command.SetAction(parse =>
        {
            var (_, p, _) = Open(parse.GetRequiredValue(image), selector, parse);
            var keywords = PartitionKeywords.Default;
            string[] fields = parse.GetValue(info) is { Length: > 0 } f ? f : InfoFields;
            string Value(string field) => field switch
            {
                "name" => p.Label,
                "type" => keywords.TypeName((long)p.Type) ?? $"0x{(byte)p.Type:x}",
                "subtype" => keywords.SubtypeName((long)p.Type, p.Subtype) ?? $"0x{p.Subtype:x}",
                "offset" => $"0x{p.Offset:x}",
                "size" => $"0x{p.Size:x}",
                _ => p.IsEncrypted ? "True" : "False",
            };
            if (parse.GetValue(json))
            {
                var o = new JsonObject();
                foreach (string field in fields)
                {
                    o[field] = field switch
                    {
                        "offset" => p.Offset,
                        "size" => p.Size,
                        "encrypted" => p.IsEncrypted,
                        _ => Value(field),
                    };
                }

                context.Out.WriteLine(CliJson.Format(o));
            }
            else
            {
                context.Out.WriteLine(string.Join(' ', fields.Select(Value)));
            }

            return ExitCodes.Ok;
        });
        return command;
    }

    private static void EraseRange(MemoryFlash flash, Partition partition)
    {
        long sector = MemoryFlash.DefaultSectorSize;
        if (partition.Offset % sector != 0 || partition.Size % sector != 0)
        {
            throw new EspException(EspError.InvalidArg, $"partition '{partition.Label}' (0x{partition.Offset:x}+0x{partition.Size:x}) is not aligned to 0x{sector:x}-byte sectors, so it cannot be erased");
        }

        flash.Erase(partition.Offset, partition.Size);
    }
}
