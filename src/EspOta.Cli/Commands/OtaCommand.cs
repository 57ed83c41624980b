using EspOta.Cli.Files;
using System.CommandLine;
using System.Text.Json.Nodes;
using System.Text.Json;
using EspOta.Boot;
using EspOta.Device;
using EspOta.Updates;
using Spectre.Console;

namespace EspOta.Cli.Commands;

/// <summary><c>esp-ota ota apply</c>: an OTA update done offline on a flash image, as the running app would do it.</summary>
internal static class OtaCommand
{
    private const int ChunkSize = 4096;

    public static Command Create(CliContext context)
    {
        var command = new Command("ota", "OTA updates on flash images.");
        command.Subcommands.Add(CreateApply(context));
        foreach (var slotCommand in PartitionCommand.OtaSlotCommands(context))
        {
            command.Subcommands.Add(slotCommand);
        }
        return command;
    }

    private static Command CreateApply(CliContext context)
    {
        var input = new Argument<FileInfo>("image") { Description = "A whole flash image (changed in place)." };
        var app = new Argument<FileInfo>("app") { Description = "The new app image." };
        var partition = new Option<string?>("--partition") { Description = "Target partition (default: esp_ota_get_next_update_partition)." };
        var bootOptions = new FlashImageFiles.BootOptionSet();
        var json = new Option<bool>("--json") { Description = "Machine-readable output." };
        var command = new Command("apply", "Boot the image, write the app into the next OTA slot (begin/write/end), select it, and show the boot that follows.")
        {
            input, app, partition, json,
        };
        bootOptions.AddTo(command);
        command.SetAction(parse =>
        {
            var file = parse.GetRequiredValue(input);
            var appFile = parse.GetRequiredValue(app);
            var image = CliFiles.Read(appFile, "app image");
            var options = bootOptions.Read(parse);
            var efuse = bootOptions.ReadEfuse(parse);
            var flash = FlashImageFiles.Load(file, options.PartitionTableOffset);
            var device = EspDevice.Open(flash, options, efuse);
            var before = device.Reboot();
            if (before.IsReset)
            {
                throw new EspException(EspError.NotFound, "the flash image boots no app, so nothing can run the OTA update");
            }

            var ota = device.Ota;
            var target = parse.GetValue(partition) is { } label
                ? FlashImageFiles.RequirePartition(device.PartitionTable!, label)
                : ota.GetNextUpdatePartition() ?? throw new EspException(EspError.NotFound, "the partition table has no OTA slot");
            using (var update = ota.Begin(target, OtaImageSize.Of(image.Length)))
            {
                for (int at = 0; at < image.Length; at += ChunkSize)
                {
                    update.Write(image.AsSpan(at, Math.Min(ChunkSize, image.Length - at)));
                }

                update.End();
            }

            ota.SetBootPartition(target);
            FlashImageFiles.Save(file, flash, file.Length);

            // What the next power-on would do, on a copy so that the file keeps the state right after the update.
            var after = EspDevice.Open(flash.Clone(), options, efuse.Clone()).Reboot();
            if (parse.GetValue(json))
            {
                context.Out.WriteLine(CliJson.Format(new JsonObject
                {
                    ["image"] = file.FullName,
                    ["app"] = appFile.FullName,
                    ["running_before"] = before.Booted!.Label,
                    ["target"] = target.Label,
                    ["bytes"] = image.Length,
                    ["next_boot"] = FlashImageFiles.DescribeBoot(after),
                }));
            }
            else
            {
                context.Console.WriteLine($"running {before.Booted!.Label}; wrote {image.Length} bytes to {target.Label}, verified, selected for boot");
                context.Console.WriteLine(after.Booted is { } p ? $"next boot: {p.Label}{(after.App is { } d ? $" ({d.Version})" : "")}" : "next boot: no bootable app");
            }

            return ExitCodes.Ok;
        });
        return command;
    }
}
