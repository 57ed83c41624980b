using System.CommandLine;
using System.Text.Json.Nodes;
using EspOta.Cli.Files;
using EspOta.Boot;
using EspOta.Device;
using EspOta.Images;
using EspOta.Layout;
using EspOta.Partitions;
using Spectre.Console;

namespace EspOta.Cli.Commands;

/// <summary><c>esp-ota flash build|boot</c>: whole flash images (esptool merge_bin, the 2nd-stage bootloader).</summary>
internal static class FlashCommand
{
    public static Command Create(CliContext context)
    {
        var command = new Command("flash", "Build whole flash images and see which app they boot.");
        command.Subcommands.Add(CreateBuild(context));
        command.Subcommands.Add(CreateBoot(context));
        return command;
    }

    private static Command CreateBuild(CliContext context)
    {
        var partitions = new Option<FileInfo?>("--partitions", "-p") { Description = "Partition table: CSV or binary (required unless ADDRESS FILE pairs are given)." };
        var pairs = new Argument<string[]>("address-file") { Description = "esptool merge_bin's ADDRESS FILE pairs, merged as they are (instead of --partitions).", Arity = ArgumentArity.ZeroOrMore };
        var fill = new Option<string?>("--fill-flash-size") { Description = "With ADDRESS FILE pairs: pad the output with 0xFF to this size (e.g. 4MB), as merge_bin does." };
        var bootloader = new Option<FileInfo?>("--bootloader", "-b") { Description = "Second-stage bootloader binary." };
        var bootloaderOffset = new Option<string?>("--bootloader-offset") { Description = "Where the bootloader goes (default: the chip's, from --chip or the bootloader's header: 0x1000 on ESP32/ESP32-S2, 0x2000 on ESP32-P4/C5, else 0x0)." };
        var chipOption = new Option<string?>("--chip") { Description = "Target chip (default: the bootloader header's chip id)." };
        var force = new Option<bool>("--force") { Description = "Place the bootloader at --bootloader-offset even where the chip's ROM will not find it." };
        var tableOffset = new Option<string>("--table-offset") { Description = "Offset of the partition table.", DefaultValueFactory = _ => "0x8000" };
        var apps = new Option<string[]>("--app", "-a") { Description = "label=file: an image written at the start of a partition (repeatable).", AllowMultipleArgumentsPerToken = false };
        var flashSize = new Option<string>("--flash-size") { Description = "Size of the flash image.", DefaultValueFactory = _ => "4MB" };
        var output = new Option<FileInfo>("--output", "-o") { Description = "The flash image to write.", Required = true };
        var json = new Option<bool>("--json") { Description = "Machine-readable output." };
        var noVerify = new Option<bool>("--no-verify") { Description = "Place the bootloader and app images without checking them first." };
        var build = new Command("build", "Bootloader + partition table + erased otadata + app images in one flash image (esptool merge_bin).")
        {
            partitions, bootloader, bootloaderOffset, chipOption, force, tableOffset, apps, flashSize, output, json, noVerify, pairs, fill,
        };
        var efuses = new SecureBootEfuseOptions();
        efuses.AddTo(build);
        build.SetAction(parse =>
        {
            string[] rawPairs = parse.GetValue(pairs) ?? [];
            if (rawPairs.Length > 0 || parse.GetValue(partitions) is null)
            {
                if (efuses.Given(parse))
                {
                    throw new UsageException("the secure boot eFuse options go with --partitions (the chip must be known), not with ADDRESS FILE pairs");
                }

                return MergePairs(context, rawPairs, parse.GetResult(partitions) is not null, parse.GetValue(fill), parse.GetRequiredValue(output), parse.GetValue(json));
            }

            if (parse.GetValue(fill) is not null)
            {
                throw new UsageException("--fill-flash-size goes with ADDRESS FILE pairs; with --partitions the image is --flash-size long");
            }

            long size = SizeArgument.Parse(parse.GetValue(flashSize)!, "--flash-size", min: 1);
            long tableAt = SizeArgument.Parse(parse.GetValue(tableOffset)!, "--table-offset");
            var tableFile = parse.GetValue(partitions)!;
            var conversion = CliFiles.ParseTable(tableFile, new PartitionTableOptions { TableOffset = tableAt, Quiet = true, FlashSize = size });
            var table = conversion.Table;
            if (table.Partitions.Count == 0)
            {
                throw new PartitionTableException($"partition table {tableFile.FullName} has no partitions");
            }

            var appImages = new List<(string Partition, byte[] Image)>();
            foreach (string spec in parse.GetValue(apps) ?? [])
            {
                int eq = spec.IndexOf('=');
                if (eq <= 0 || eq == spec.Length - 1)
                {
                    throw new UsageException($"--app expects label=file, got '{spec}'");
                }

                var partition = FlashImageFiles.RequirePartition(table, spec[..eq]);
                var data = CliFiles.Read(spec[(eq + 1)..], $"image for {partition.Label}");
                if (partition.IsApp && !parse.GetValue(noVerify) && data.Length <= partition.Size)
                {
                    // Data partitions take any bytes; an app partition only a bootable image.
                    RequireImage(data, Path.GetFullPath(spec[(eq + 1)..]), $"app image for {partition.Label}", bootloader: false);
                }

                appImages.Add((partition.Label, data));
            }

            var composeOptions = new FlashComposeOptions
            {
                TableOffset = tableAt,
                BootloaderOffset = parse.GetValue(bootloaderOffset) is { } bo ? SizeArgument.Parse(bo, "--bootloader-offset") : null,
                Chip = ChipArgument(parse.GetValue(chipOption)),
                ForceBootloaderOffset = parse.GetValue(force),
                Size = size,
            };
            byte[]? blImage = null;
            if (parse.GetValue(bootloader) is { } bl)
            {
                blImage = CliFiles.Read(bl, "bootloader image");
                if (!parse.GetValue(noVerify) && blImage.Length <= composeOptions.TableOffset - composeOptions.BootloaderOffset)
                {
                    RequireImage(blImage, bl.FullName, "bootloader image", bootloader: true);
                }
            }

            FlashImage image;
            try
            {
                image = FlashImage.Compose(table, blImage, appImages, composeOptions);
            }
            catch (EspException e) when (e.Code is EspError.InvalidSize or EspError.NotFound or EspError.InvalidArg)
            {
                throw new UsageException(e.Message);
            }

            EspOta.Security.SecureBootDeviceConfig? secureBoot = null;
            if (efuses.Given(parse))
            {
                var efuseChip = composeOptions.Chip
                    ?? (blImage is null ? null : ImageVerifier.Verify(blImage, new ImageVerifyOptions { IsBootloader = true }).Chip)
                    ?? appImages.Select(a => ImageVerifier.Verify(a.Image, new ImageVerifyOptions()).Chip).FirstOrDefault(c => c is not null)
                    ?? throw new UsageException("the secure boot eFuse options need the chip: --chip, or a bootloader or app image that names it");
                secureBoot = efuses.Read(parse, efuseChip);
            }

            var written = image.Placements.Select(p => (What: p.What, p.Offset, p.Length)).ToList();
            var target = parse.GetRequiredValue(output);
            CliFiles.WriteAtomic(target.FullName, image.ToArray(), "flash image");

            // The chip's eFuses go beside the image; a build without them removes a stale file of an earlier build.
            EfuseFile.Save(target.FullName, secureBoot);
            if (parse.GetValue(json))
            {
                context.Out.WriteLine(CliJson.Format(new JsonObject
                {
                    ["output"] = target.FullName,
                    ["size"] = size,
                    ["written"] = CliJson.Array(written, w => new JsonObject { ["what"] = w.What, ["offset"] = w.Offset, ["length"] = w.Length }),
                    ["otadata"] = table.FindFirst(PartitionType.Data, PartitionSubtypes.DataOta)?.Offset,
                    ["warnings"] = CliJson.Strings(conversion.Warnings),
                    ["efuse_file"] = secureBoot is null ? null : EfuseFile.PathFor(target.FullName),
                    ["secure_boot"] = EfuseFile.Describe(secureBoot),
                }));
            }
            else
            {
                var grid = new Table().AddColumns("Written", "Offset", "Length");
                foreach (var w in written)
                {
                    grid.AddRow(Markup.Escape(w.What), $"0x{w.Offset:x}", $"0x{w.Length:x}");
                }

                context.Console.Write(grid);
                context.Console.WriteLine($"{target.FullName}: 0x{size:x} bytes, otadata erased");
                if (secureBoot is not null)
                {
                    context.Console.WriteLine($"{EfuseFile.PathFor(target.FullName)}: {secureBoot.Efuses}");
                }
            }

            return ExitCodes.Ok;
        });
        return build;
    }

    /// <summary><c>esptool merge_bin -o OUT [--fill-flash-size SIZE] ADDRESS FILE …</c>.</summary>
    private static int MergePairs(CliContext context, string[] pairs, bool withTable, string? fill, FileInfo target, bool json)
    {
        if (withTable)
        {
            throw new UsageException("give either --partitions (with --bootloader/--app) or ADDRESS FILE pairs, not both");
        }

        if (pairs.Length == 0)
        {
            throw new UsageException("flash build needs --partitions, or ADDRESS FILE pairs as esptool merge_bin takes them");
        }

        if (pairs.Length % 2 != 0)
        {
            throw new UsageException($"ADDRESS FILE pairs: '{pairs[^1]}' has no file after it");
        }

        var inputs = new List<FlashPlacement>();
        for (int i = 0; i < pairs.Length; i += 2)
        {
            long address = SizeArgument.Parse(pairs[i], $"address '{pairs[i]}'", max: uint.MaxValue);
            inputs.Add(new FlashPlacement(pairs[i + 1], address, CliFiles.Read(pairs[i + 1], $"input at 0x{address:x}")));
        }

        long? fillSize = fill is null ? null : SizeArgument.Parse(fill, "--fill-flash-size", min: 1, max: Array.MaxLength);
        byte[] image;
        try
        {
            image = FlashMerge.Merge(inputs, fillSize);
        }
        catch (EspException e) when (e.Code is EspError.InvalidSize or EspError.InvalidArg)
        {
            throw new UsageException(e.Message);
        }

        CliFiles.WriteAtomic(target.FullName, image, "flash image");
        if (json)
        {
            context.Out.WriteLine(CliJson.Format(new JsonObject
            {
                ["output"] = target.FullName,
                ["size"] = image.Length,
                ["written"] = CliJson.Array(inputs.OrderBy(p => p.Offset), w => new JsonObject { ["what"] = w.What, ["offset"] = w.Offset, ["length"] = w.Length }),
            }));
        }
        else
        {
            foreach (var p in inputs.OrderBy(p => p.Offset))
            {
                context.Out.WriteLine($"Wrote 0x{p.Length:x} bytes from {p.What} at 0x{p.Offset:x}");
            }

            context.Out.WriteLine($"{target.FullName}: 0x{image.Length:x} bytes");
        }

        return ExitCodes.Ok;
    }

    internal static void RequireImage(byte[] image, string path, string what, bool bootloader)
    {
        var verification = EspOta.Images.ImageVerifier.Verify(image, new EspOta.Images.ImageVerifyOptions { IsBootloader = bootloader });
        if (!verification.IsValid)
        {
            throw new EspException(
                verification.Error,
                $"{what} {path} is not a valid image ({verification.FailedCheck} at offset 0x{verification.FailureOffset:x}: {verification.FailureMessage}); --no-verify places it anyway");
        }
    }

    private static Command CreateBoot(CliContext context)
    {
        var input = new Argument<FileInfo>("image") { Description = "A whole flash image." };
        var bootOptions = new FlashImageFiles.BootOptionSet();
        var writeBack = new Option<bool>("--write-back") { Description = "Keep the bootloader's otadata writes (PENDING_VERIFY, ABORTED, initial seq) in the file." };
        var factoryReset = new Option<string[]>("--factory-reset") { Description = "Boot with the factory-reset pin held, erasing otadata and these data partitions.", Arity = ArgumentArity.ZeroOrMore };
        var json = new Option<bool>("--json") { Description = "Machine-readable output." };
        var bootChip = new Option<string?>("--chip") { Description = "The chip whose ROM starts (default: the chip id of the bootloader found at 0x0/0x1000/0x2000)." };
        var boot = new Command("boot", "Run the ROM's first step and the second-stage bootloader on a flash image: which app boots, and why.") { input, writeBack, factoryReset, bootChip, json };
        bootOptions.AddTo(boot);
        boot.SetAction(parse =>
        {
            var file = parse.GetRequiredValue(input);
            var options = bootOptions.Read(parse);
            var efuse = bootOptions.ReadEfuse(parse);
            var flash = FlashImageFiles.Load(file, options.PartitionTableOffset);
            long length = file.Length;
            var reset = parse.GetResult(factoryReset) is not null;
            if (reset)
            {
                options = options with { FactoryReset = true, FactoryResetErasesOtaData = true, FactoryResetDataPartitions = parse.GetValue(factoryReset) ?? [] };
            }

            // The ROM's first step: without a loadable bootloader at the chip's offset nothing else runs.
            var rom = SecondStageCheck.RomStep(flash, ChipArgument(parse.GetValue(bootChip)), options.PartitionTableOffset);

            int RomRefuses(string reason, string verdict, EspOta.Security.SecureBootDeviceConfig? secureBoot)
            {
                if (parse.GetValue(json))
                {
                    context.Out.WriteLine(CliJson.Format(new JsonObject
                    {
                        ["image"] = file.FullName,
                        ["rom"] = new JsonObject { ["chip"] = rom.Chip?.Name, ["offset"] = rom.Offset, ["loads"] = false, ["reason"] = reason },
                        ["boot"] = null,
                        ["secure_boot"] = EfuseFile.Describe(secureBoot),
                    }));
                }
                else
                {
                    context.Console.WriteLine("  " + reason);
                    context.Console.WriteLine("no bootable app: " + verdict);
                }

                return ExitCodes.Failure;
            }

            if (!rom.Loads)
            {
                return RomRefuses(rom.Reason, "the ROM finds no second-stage bootloader", null);
            }

            // The chip's Secure Boot eFuses, if the image has them (flash build / device create).
            var secureBoot = EfuseFile.Load(file.FullName);
            var device = secureBoot is null ? EspDevice.Open(flash, options, efuse) : EspDevice.OpenSigned(flash, secureBoot, options, efuse);

            // With Secure Boot enabled the ROM also checks the bootloader's signature (and may revoke a key: an eFuse write).
            var romSignature = device.VerifyBootloaderByRom();
            if (romSignature is not null && parse.GetValue(writeBack))
            {
                EfuseFile.Save(file.FullName, secureBoot);
            }

            if (romSignature is { IsValid: false })
            {
                return RomRefuses($"{rom.Reason}; Secure Boot: the bootloader's signature does not verify with a trusted key ({romSignature})", "the ROM loads no bootloader that a burnt, unrevoked key did not sign", secureBoot);
            }

            var result = device.Reboot(factoryResetPinHeld: reset);
            if (parse.GetValue(writeBack))
            {
                FlashImageFiles.Save(file, flash, length);
            }

            if (parse.GetValue(json))
            {
                context.Out.WriteLine(CliJson.Format(new JsonObject
                {
                    ["image"] = file.FullName,
                    ["rom"] = new JsonObject { ["chip"] = rom.Chip?.Name, ["offset"] = rom.Offset, ["loads"] = true, ["modelled"] = rom.Modelled, ["reason"] = rom.Reason, ["signature"] = romSignature?.ToString() },
                    ["boot"] = FlashImageFiles.DescribeBoot(result),
                    ["efuse_secure_version"] = efuse.SecureVersion.Version,
                    ["secure_boot"] = EfuseFile.Describe(secureBoot),
                }));
            }
            else
            {
                context.Console.WriteLine("  " + rom.Reason);
                if (romSignature is not null)
                {
                    context.Console.WriteLine("  ROM Secure Boot check of the bootloader: " + romSignature);
                }

                if (secureBoot is not null)
                {
                    context.Console.WriteLine($"  secure boot (from {EfuseFile.PathFor(file.FullName)}): {secureBoot.Efuses}");
                }

                foreach (string step in result.Steps)
                {
                    context.Console.WriteLine("  " + step);
                }

                context.Console.WriteLine(result.Booted is { } p
                    ? $"boots {p.Label} at 0x{p.Offset:x}{(result.App is { } app ? $": {app.ProjectName} {app.Version} (secure_version {app.SecureVersion})" : "")}"
                    : "no bootable app: the bootloader resets");
            }

            return result.IsReset ? ExitCodes.Failure : ExitCodes.Ok;
        });
        return boot;
    }

    private static Chip? ChipArgument(string? name) =>
        name is null ? null
        : Chip.TryFromName(name, out var chip) ? chip
        : throw new UsageException($"unknown chip '{name}' (one of: {string.Join(", ", Chip.All.Select(c => c.Name))})");
}
