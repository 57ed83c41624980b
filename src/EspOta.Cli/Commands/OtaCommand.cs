using EspOta.Cli.Files;
using System.CommandLine;
using System.Text.Json.Nodes;
using EspOta.Boot;
using EspOta.Device;
using EspOta.Flash;
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
        var estimate = new Option<bool>("--estimate") { Description = "Do not change the file: run the update on a copy and predict how long it takes on the real chip (datasheet flash timing)." };
        var flashFreq = new Option<int>("--flash-freq-mhz") { Description = "SPI flash clock for --estimate (MHz).", DefaultValueFactory = _ => 40 };
        var flashMode = new Option<string>("--flash-mode") { Description = "SPI read mode for --estimate: dout, dio or qio.", DefaultValueFactory = _ => "dio" };
        flashMode.AcceptOnlyFromAmong("dout", "dio", "qio");
        var command = new Command("apply", "Boot the image, write the app into the next OTA slot (begin/write/end), select it, and show the boot that follows.")
        {
            input, app, partition, json, estimate, flashFreq, flashMode,
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
            bool estimating = parse.GetValue(estimate);
            int mhz = parse.GetValue(flashFreq);
            if (mhz is < 1 or > 120)
            {
                throw new UsageException($"--flash-freq-mhz {mhz}: expected 1 … 120");
            }

            var timing = FlashTiming.Default with
            {
                ClockHz = mhz * 1_000_000L,
                ReadLines = parse.GetValue(flashMode) switch { "dout" => 1, "qio" => 4, _ => 2 },
            };
            var timed = new TimedFlash(flash, timing);
            var device = EspDevice.Open(timed, options, efuse);
            var before = device.Reboot();
            timed.Reset();
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
            var updateTime = (Erase: timed.EraseTime, Program: timed.ProgramTime, Read: timed.ReadTime);
            if (!estimating)
            {
                FlashImageFiles.Save(file, flash, file.Length);
            }

            // What the next power-on would do, on a copy so that the file keeps the state right after the update.
            var nextBootFlash = new TimedFlash(flash.Clone(), timing);
            var after = EspDevice.Open(nextBootFlash, options, efuse.Clone()).Reboot();
            if (estimating)
            {
                var total = updateTime.Erase + updateTime.Program + updateTime.Read + nextBootFlash.Elapsed;
                var rows = new (string Phase, FlashDuration Time)[]
                {
                    ("erase (esp_ota_begin, otadata sector)", updateTime.Erase),
                    ("program (esp_ota_write, otadata)", updateTime.Program),
                    ("verify reads (esp_ota_end, set boot)", updateTime.Read),
                    ("next boot (bootloader verify, otadata)", nextBootFlash.Elapsed),
                    ("total", total),
                };
                if (parse.GetValue(json))
                {
                    context.Out.WriteLine(CliJson.Format(new JsonObject
                    {
                        ["image"] = file.FullName,
                        ["app"] = appFile.FullName,
                        ["target"] = target.Label,
                        ["bytes"] = image.Length,
                        ["flash_part"] = timing.Part,
                        ["flash_clock_mhz"] = mhz,
                        ["read_lines"] = timing.ReadLines,
                        ["phases"] = CliJson.Array(rows, r => new JsonObject { ["phase"] = r.Phase, ["typical_seconds"] = r.Time.Typical.TotalSeconds, ["max_seconds"] = r.Time.Maximum.TotalSeconds }),
                        ["next_boot"] = FlashImageFiles.DescribeBoot(after),
                    }));
                }
                else
                {
                    context.Console.WriteLine($"estimate for {image.Length} bytes into {target.Label} on {timing.Part} at {mhz} MHz ({parse.GetValue(flashMode)}); the file is not changed");
                    var grid = new Table().AddColumns("phase", "typical", "max");
                    foreach (var (phase, time) in rows)
                    {
                        grid.AddRow(Markup.Escape(phase), $"{time.Typical.TotalSeconds:0.000} s", $"{time.Maximum.TotalSeconds:0.000} s");
                    }

                    context.Console.Write(grid);
                }

                return ExitCodes.Ok;
            }

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
