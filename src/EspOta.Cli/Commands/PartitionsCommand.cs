using EspOta.Cli.Files;
using System.CommandLine;
using System.Text.Json.Nodes;
using EspOta.Partitions;
using Spectre.Console;

namespace EspOta.Cli.Commands;

/// <summary><c>esp-ota partitions …</c>: the <c>gen_esp32part.py</c> verbs.</summary>
internal static class PartitionsCommand
{
    // gen_esp32part.py exits 2 when it refuses a table (its InputError); `gen` keeps the tool's contract.
    private const int GenEsp32PartInputError = 2;

    public static Command Create(CliContext context)
    {
        var command = new Command("partitions", "Read, write and check partition tables (gen_esp32part.py).");
        command.Subcommands.Add(CreateGen(context));
        command.Subcommands.Add(CreateShow(context));
        command.Subcommands.Add(CreateVerify(context));
        return command;
    }

    private static Command CreateGen(CliContext context)
    {
        var input = new Argument<FileInfo>("input") { Description = "CSV or binary table (binary when it starts with AA 50)." };
        var outputPath = new Argument<string>("output")
        {
            Description = "Where to write the converted table; '-' or omitted for stdout.",
            Arity = ArgumentArity.ZeroOrOne,
        };
        var tool = new ToolOptions();
        var json = JsonOption();
        var gen = new Command("gen", "Convert CSV to binary or binary to CSV, exactly like gen_esp32part.py.") { input, outputPath, json };
        tool.AddTo(gen);
        gen.SetAction(parse =>
        {
            var file = parse.GetRequiredValue(input);
            string target = parse.GetValue(outputPath) ?? "-";
            bool asJson = parse.GetValue(json);
            if (asJson && target == "-")
            {
                throw new UsageException("--json needs an output file (stdout would carry the table)");
            }

            var options = tool.Read(parse);
            PartitionConversion result;
            try
            {
                result = PartitionTableConverter.Convert(CliFiles.Read(file, "partition table"), options, context.Error);
            }
            catch (PartitionTableException e)
            {
                // gen_esp32part.py's InputError: the bare message after its status lines, exit status 2.
                context.Error.WriteLine(e.Message);
                return GenEsp32PartInputError;
            }

            if (target == "-")
            {
                WriteStdout(context, result);
            }
            else
            {
                string? dir = Path.GetDirectoryName(Path.GetFullPath(target));
                // gen_esp32part.py creates the output folder too.
                if (!string.IsNullOrEmpty(dir) && !Directory.Exists(dir) && !File.Exists(dir))
                {
                    try
                    {
                        Directory.CreateDirectory(dir);
                    }
                    catch (Exception e) when (e is IOException or UnauthorizedAccessException)
                    {
                        throw new FileProblemException($"cannot create the folder {dir} for {Path.GetFullPath(target)}: {e.Message}", ExitCodes.Failure, e);
                    }
                }

                CliFiles.WriteAtomic(target, result.Output, result.InputIsBinary ? "CSV partition table" : "binary partition table");
            }

            if (asJson)
            {
                context.Out.WriteLine(CliJson.Format(new JsonObject
                {
                    ["input"] = file.FullName,
                    ["input_format"] = result.InputIsBinary ? "binary" : "csv",
                    ["output"] = Path.GetFullPath(target),
                    ["output_format"] = result.InputIsBinary ? "csv" : "binary",
                    ["bytes"] = result.Output.Length,
                    ["partitions"] = result.Table.Partitions.Count,
                    ["warnings"] = CliJson.Strings(result.Warnings),
                }));
            }

            return ExitCodes.Ok;
        });
        return gen;
    }

    private static Command CreateShow(CliContext context)
    {
        var input = new Argument<FileInfo>("input") { Description = "A partition table: binary or CSV." };
        var tool = new ToolOptions();
        var json = JsonOption();
        var show = new Command("show", "Show a partition table with sizes and the OTA role of each partition.") { input, json };
        tool.AddTo(show);
        show.SetAction(parse =>
        {
            var file = parse.GetRequiredValue(input);
            var options = tool.Read(parse) with { Quiet = true };
            var result = CliFiles.ParseTable(file, options);
            var table = result.Table;
            var keywords = options.Keywords;
            if (parse.GetValue(json))
            {
                context.Out.WriteLine(CliJson.Format(new JsonObject
                {
                    ["input"] = file.FullName,
                    ["format"] = result.InputIsBinary ? "binary" : "csv",
                    ["md5"] = table.HasMd5,
                    ["partitions"] = CliJson.Array(table.Partitions.Select((p, i) => (p, i)), x => new JsonObject
                    {
                        ["index"] = x.i,
                        ["name"] = x.p.Label,
                        ["type"] = (int)x.p.Type,
                        ["type_name"] = keywords.TypeName((long)x.p.Type),
                        ["subtype"] = (int)x.p.Subtype,
                        ["subtype_name"] = keywords.SubtypeName((long)x.p.Type, x.p.Subtype),
                        ["offset"] = x.p.Offset,
                        ["size"] = x.p.Size,
                        ["end"] = x.p.End,
                        ["encrypted"] = x.p.IsEncrypted,
                        ["readonly"] = x.p.IsReadOnly,
                        ["role"] = PartitionRoles.Describe(x.p),
                    }),
                    ["warnings"] = CliJson.Strings(result.Warnings),
                }));
                return ExitCodes.Ok;
            }

            var grid = new Table().AddColumns("#", "Name", "Type", "SubType", "Offset", "Size", "End", "Flags", "OTA role");
            for (int i = 0; i < table.Partitions.Count; i++)
            {
                var p = table.Partitions[i];
                string flags = string.Join(":", new[] { p.IsEncrypted ? "encrypted" : null, p.IsReadOnly ? "readonly" : null }.OfType<string>());
                grid.AddRow(
                    i.ToString(),
                    Markup.Escape(p.Label),
                    Markup.Escape(keywords.TypeName((long)p.Type) ?? $"0x{(byte)p.Type:x2}"),
                    Markup.Escape(keywords.SubtypeName((long)p.Type, p.Subtype) ?? $"0x{p.Subtype:x2}"),
                    $"0x{p.Offset:x}",
                    $"0x{p.Size:x} ({PartitionRoles.HumanSize(p.Size)})",
                    $"0x{p.End:x}",
                    flags,
                    Markup.Escape(PartitionRoles.Describe(p)));
            }

            context.Console.Write(grid);
            int slots = table.Partitions.Count(p => p.IsOtaSlot);
            bool factory = table.Partitions.Any(p => p.IsFactory);
            bool otadata = table.Partitions.Any(p => p.IsOtaData);
            long end = table.Partitions.Count == 0 ? 0 : table.Partitions.Max(p => p.End);
            context.Console.WriteLine(
                $"{table.Partitions.Count} partitions ({(result.InputIsBinary ? "binary" : "CSV")}, MD5 row {(table.HasMd5 ? "yes" : "no")}); " +
                $"OTA: {(factory ? "factory + " : "")}{slots} slot(s), otadata {(otadata ? "yes" : "no")}; ends at 0x{end:x} ({PartitionRoles.HumanSize(end)})");
            foreach (string warning in result.Warnings)
            {
                context.Error.WriteLine($"esp-ota: {warning}");
            }

            return ExitCodes.Ok;
        });
        return show;
    }

    private static Command CreateVerify(CliContext context)
    {
        var input = new Argument<FileInfo>("input") { Description = "A partition table: binary or CSV." };
        var tool = new ToolOptions();
        var json = JsonOption();
        var verify = new Command("verify", "Check a partition table with gen_esp32part.py's rules; exit 1 if it is invalid.") { input, json };
        tool.AddTo(verify);
        verify.SetAction(parse =>
        {
            var file = parse.GetRequiredValue(input);
            var options = tool.Read(parse) with { Quiet = true, NoVerify = false };
            byte[] bytes = CliFiles.Read(file, "partition table");
            bool asJson = parse.GetValue(json);
            PartitionConversion result;
            try
            {
                result = PartitionTableConverter.Convert(bytes, options);
                if (result.Table.Partitions.Count == 0)
                {
                    // gen_esp32part.py turns an empty CSV into a table of nothing, but nothing boots from it.
                    throw new PartitionTableException("the table has no partitions", result.InputIsBinary ? 0 : null, result.InputIsBinary ? null : 1);
                }
            }
            catch (PartitionTableException e) when (asJson)
            {
                // A verdict, not a crash: JSON callers get it on stdout; the exit code still says invalid.
                context.Out.WriteLine(CliJson.Format(new JsonObject { ["input"] = file.FullName, ["valid"] = false, ["error"] = e.Message, ["line"] = e.Line, ["offset"] = e.Offset }));
                return ExitCodes.Failure;
            }
            catch (PartitionTableException e)
            {
                throw new InputFormatException(file.FullName, e);
            }

            if (asJson)
            {
                context.Out.WriteLine(CliJson.Format(new JsonObject
                {
                    ["input"] = file.FullName,
                    ["valid"] = true,
                    ["format"] = result.InputIsBinary ? "binary" : "csv",
                    ["partitions"] = result.Table.Partitions.Count,
                    ["warnings"] = CliJson.Strings(result.Warnings),
                }));
            }
            else
            {
                foreach (string warning in result.Warnings)
                {
                    context.Error.WriteLine($"esp-ota: {warning}");
                }

                context.Out.WriteLine($"{file.Name}: valid partition table ({result.Table.Partitions.Count} partitions)");
            }

            return ExitCodes.Ok;
        });
        return verify;
    }

    private static Option<bool> JsonOption() => new("--json") { Description = "Machine-readable output." };

    private static void WriteStdout(CliContext context, PartitionConversion result)
    {
        if (result.InputIsBinary)
        {
            context.Out.Write(System.Text.Encoding.UTF8.GetString(result.Output));
            return;
        }

        if (context.Out is not StreamWriter writer)
        {
            throw new UsageException("binary output needs a file here: give an output path");
        }

        writer.Flush();
        writer.BaseStream.Write(result.Output);
        writer.BaseStream.Flush();
    }

    /// <summary>The options of gen_esp32part.py, with its names.</summary>
    private sealed class ToolOptions
    {
        private static readonly string[] FlashSizes = ["1MB", "2MB", "4MB", "8MB", "16MB", "32MB", "64MB", "128MB"];

        // Value options may repeat; the last one wins, as with the tool's argparse.
        private readonly Option<string[]> _offset = new("--offset", "-o") { Description = "Offset of the partition table (default 0x8000).", Arity = ArgumentArity.OneOrMore };
        private readonly Option<string[]> _flashSize = new("--flash-size") { Description = "Check that the table fits this flash size.", Arity = ArgumentArity.ZeroOrMore };
        private readonly Option<bool> _disableMd5 = new("--disable-md5sum") { Description = "No MD5 row." };
        private readonly Option<bool> _noVerify = new("--no-verify") { Description = "Do not check the table." };
        private readonly Option<bool> _verify = new("--verify", "-v") { Description = "Accepted for compatibility; checking is the default." };
        private readonly Option<bool> _quiet = new("--quiet", "-q") { Description = "No status messages." };
        private readonly Option<string?> _secure = new("--secure") { Description = "App partitions must suit secure boot v1 (default) or v2.", Arity = ArgumentArity.ZeroOrOne };
        private readonly Option<string[]> _primary = new("--primary-bootloader-offset") { Description = "Offset of the primary bootloader.", Arity = ArgumentArity.OneOrMore };
        private readonly Option<string[]> _recovery = new("--recovery-bootloader-offset") { Description = "Offset of the recovery bootloader.", Arity = ArgumentArity.OneOrMore };
        private readonly Option<string[]> _extra = new("--extra-partition-subtypes")
        {
            Description = "Extra subtypes as type,name,value (value in hex).",
            Arity = ArgumentArity.ZeroOrMore,
            AllowMultipleArgumentsPerToken = true,
        };

        public ToolOptions()
        {
            _flashSize.AcceptOnlyFromAmong(FlashSizes);
            _secure.AcceptOnlyFromAmong("v1", "v2");
        }

        public void AddTo(Command command)
        {
            foreach (Option option in new Option[] { _offset, _flashSize, _disableMd5, _noVerify, _verify, _quiet, _secure, _primary, _recovery, _extra })
            {
                command.Options.Add(option);
            }
        }

        public PartitionTableOptions Read(ParseResult parse)
        {
            string? flash = Last(parse.GetValue(_flashSize));
            var secure = parse.GetResult(_secure) is null ? SecureBootMode.None
                : parse.GetValue(_secure) == "v2" ? SecureBootMode.V2 : SecureBootMode.V1;
            return new PartitionTableOptions
            {
                TableOffset = Number(Last(parse.GetValue(_offset)) ?? "0x8000", "--offset"),
                FlashSize = flash is null ? null : long.Parse(flash[..^2]) * 1024 * 1024,
                DisableMd5 = parse.GetValue(_disableMd5),
                NoVerify = parse.GetValue(_noVerify),
                Quiet = parse.GetValue(_quiet),
                Secure = secure,
                PrimaryBootloaderOffset = Last(parse.GetValue(_primary)) is { } p ? Number(p, "--primary-bootloader-offset") : null,
                RecoveryBootloaderOffset = Last(parse.GetValue(_recovery)) is { } r ? Number(r, "--recovery-bootloader-offset") : null,
                ExtraPartitionSubtypes = parse.GetValue(_extra) ?? [],
            };
        }

        private static string? Last(string[]? values) => values is { Length: > 0 } ? values[^1] : null;

        private static long Number(string text, string option)
        {
            try
            {
                return PartitionTableOptions.ParseNumber(text);
            }
            catch (FormatException e)
            {
                throw new UsageException($"{option}: {e.Message}");
            }
        }
    }
}
