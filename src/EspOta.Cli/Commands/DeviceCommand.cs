using System.CommandLine;
using System.Text.Json.Nodes;
using System.Diagnostics;
using System.Text.Json;
using EspOta.Cli.Files;
using EspOta.Flash;
using EspOta.Http;
using EspOta.Security;
using EspOta.Simulation;
using EspOta.Images;
using Spectre.Console;

namespace EspOta.Cli.Commands;

/// <summary><c>esp-ota device create|run|fleet</c>: simulated devices that update over HTTP.</summary>
internal static class DeviceCommand
{
    public static Command Create(CliContext context)
    {
        var command = new Command("device", "Simulated ESP32 devices that run the OTA cycle against an update server.");
        command.Subcommands.Add(CreateCreate(context));
        command.Subcommands.Add(CreateRun(context));
        command.Subcommands.Add(CreateFleet(context));
        command.Subcommands.Add(DeviceAdminCommands.CreateList(context));
        command.Subcommands.Add(DeviceAdminCommands.CreateShow(context));
        return command;
    }

    internal static Option<Chip> ChipOption() => new("--chip")
    {
        Description = "The device's chip (esptool name).",
        DefaultValueFactory = _ => Chip.Esp32,
        CustomParser = result =>
        {
            string name = result.Tokens.Count == 1 ? result.Tokens[0].Value : "";
            if (Chip.TryFromName(name, out var chip) && chip.HasExtendedHeader)
            {
                return chip;
            }

            result.AddError($"--chip '{name}' is not a chip with ESP-IDF app images ({string.Join(", ", Chip.All.Where(c => c.HasExtendedHeader).Select(c => c.Name))})");
            return null;
        },
    };

    internal static KebabEnumOption<SelfTestOutcome> SelfTestOption() =>
        new("--self-test", "What a newly installed app's self-test does.", SelfTestOutcome.Pass);

    private static Option<string> SlotSizeOption() => new("--slot-size")
    {
        Description = "Size of each OTA partition (e.g. 1M, 1984K, 0x1F0000).",
        DefaultValueFactory = _ => "0x1F0000",
    };

    private static long SlotSize(ParseResult parse, Option<string> option) =>
        SizeArgument.Parse(parse.GetValue(option) ?? "0x1F0000", "--slot-size", min: 1, max: int.MaxValue);

    /// <summary>A factory app that the bootloader would refuse makes a device that never boots: say so before writing it.</summary>
    private static void RequireApp(byte[] app, FileInfo file)
    {
        var verification = ImageVerifier.Verify(app, new ImageVerifyOptions());
        if (!verification.IsValid)
        {
            throw new EspException(
                verification.Error,
                $"factory app image {file.FullName} is not a valid app image: {verification.FailedCheck} at offset 0x{verification.FailureOffset:x}: {verification.FailureMessage}");
        }
    }

    private static Command CreateCreate(CliContext context)
    {
        var flash = new Option<FileInfo>("--flash") { Description = "The flash image file to write.", Required = true };
        var factory = new Option<FileInfo>("--factory") { Description = "The factory app image.", Required = true };
        var slot = SlotSizeOption();
        var json = ServerOptions.Json();
        var efuses = new SecureBootEfuseOptions();
        var bootloader = new Option<FileInfo?>("--bootloader") { Description = "A bootloader image written at the chip's bootloader offset (with secure boot: signed, so that keys can be revoked)." };
        var command = new Command("create", "Write a device flash image: partition table (nvs, otadata, phy_init, factory, ota_0, ota_1) and the factory app; its eFuses go to <flash>.efuse.json.")
        {
            flash, factory, slot, json, bootloader,
        };
        efuses.AddTo(command);
        command.SetAction(parse =>
        {
            var factoryFile = parse.GetRequiredValue(factory);
            var app = CliFiles.Read(factoryFile, "factory app image");
            RequireApp(app, factoryFile);
            var chip = ImageVerifier.Verify(app, new ImageVerifyOptions()).Chip
                ?? throw new UsageException($"factory app image {factoryFile.FullName} names no chip ESP-IDF knows");
            var secureBoot = efuses.Read(parse, chip);
            var image = SimulatedDeviceFlash.Build(app, SlotSize(parse, slot));
            if (parse.GetValue(bootloader) is { } blFile)
            {
                var bl = CliFiles.Read(blFile, "bootloader image");
                FlashCommand.RequireImage(bl, blFile.FullName, "bootloader image", bootloader: true);
                long at = EspOta.Layout.FlashComposeOptions.BootloaderOffsetFor(chip);
                if (at + bl.Length > EspOta.Partitions.PartitionTable.DefaultOffset)
                {
                    throw new UsageException($"bootloader image {blFile.FullName} is {bl.Length} bytes: it does not fit between 0x{at:x} and the partition table at 0x{EspOta.Partitions.PartitionTable.DefaultOffset:x}");
                }

                bl.CopyTo(image, at);
            }

            var path = parse.GetRequiredValue(flash).FullName;
            CliFiles.WriteAtomic(path, image, "device flash image");
            EfuseFile.Save(path, secureBoot);
            if (parse.GetValue(json))
            {
                context.Out.WriteLine(CliJson.Format(new JsonObject { ["flash"] = path, ["size"] = image.Length, ["chip"] = chip.Name, ["efuse_file"] = secureBoot is null ? null : EfuseFile.PathFor(path), ["secure_boot"] = EfuseFile.Describe(secureBoot) }));
            }
            else
            {
                context.Console.MarkupLineInterpolated($"wrote {path} ({image.Length} bytes)");
                if (secureBoot is not null)
                {
                    context.Console.MarkupLineInterpolated($"wrote {EfuseFile.PathFor(path)}: {secureBoot.Efuses}");
                }
            }

            return ExitCodes.Ok;
        });
        return command;
    }

    private static Command CreateRun(CliContext context)
    {
        var flash = new Option<FileInfo>("--flash") { Description = "The device's flash image (see 'device create').", Required = true };
        var server = ServerOptions.Server();
        var chip = ChipOption();
        var selfTest = SelfTestOption();
        var id = new Option<string?>("--id") { Description = "Device id (default: the flash file name)." };
        var json = ServerOptions.Json();
        var efuses = new SecureBootEfuseOptions();
        var revokeOnConfirm = new Option<int[]>("--revoke-key-on-confirm")
        {
            Description = "Key rotation: after confirming a new app, esp_ota_revoke_secure_boot_public_key for this digest slot (burnt into <flash>.efuse.json); repeat for more.",
        };
        var flashTime = new Option<bool>("--flash-time")
        {
            Description = "Model how long the flash operations would take on the real chip (W25Q32JV datasheet figures, 40 MHz DIO; typical and maximum) and report it per step and in total.",
        };
        var decryptionKey = new Option<FileInfo?>("--decryption-key")
        {
            Description = "esp_encrypted_img private key (RSA-3072 or P-256 PEM) for offers the server marks encrypted.",
        };
        var hmacKey = new Option<FileInfo?>("--hmac-key")
        {
            Description = "The device's 32-byte eFuse HMAC key; the ECIES-P256 decryption key is derived from it as esp_encrypted_img does.",
        };
        var command = new Command("run", "Boot the device, settle a pending app, check for an update, install it, reboot and self-test; report each step. The eFuses are <flash>.efuse.json (from 'device create') or the options.")
        {
            flash, server, chip, selfTest.Option, id, json, revokeOnConfirm, decryptionKey, hmacKey, flashTime,
        };
        efuses.AddTo(command);
        command.SetAction(parse =>
        {
            var file = parse.GetRequiredValue(flash);
            if (!file.Exists && !Directory.Exists(file.FullName))
            {
                throw new FileNotFoundException($"{file.FullName} does not exist (create it with 'esp-ota device create')", file.FullName);
            }

            FlashImageFiles.CheckImageFile(file, EspOta.Partitions.PartitionTable.DefaultOffset);

            string deviceId = parse.GetValue(id) ?? Path.GetFileNameWithoutExtension(file.Name);
            var outcome = selfTest.Get(parse);
            // Burnt eFuses stay burnt: once the device has an eFuse file, the options cannot describe other ones.
            var kept = EfuseFile.Load(file.FullName);
            if (kept is not null && efuses.Given(parse))
            {
                throw new UsageException($"the device's eFuses are in {EfuseFile.PathFor(file.FullName)}; the secure boot options describe a new device ('device create')");
            }

            // Without --chip, a device with an eFuse file is the chip the file names.
            var deviceChip = (parse.GetResult(chip) is null or { Implicit: true }) && kept is not null ? kept.Chip : parse.GetRequiredValue(chip);
            var secureBoot = kept ?? efuses.Read(parse, deviceChip);
            int[] revokeSlots = parse.GetValue(revokeOnConfirm) ?? [];
            if (revokeSlots.Length > 0 && secureBoot is null)
            {
                throw new UsageException("--revoke-key-on-confirm needs a secure boot device (--secure-boot-key, or 'device create --secure-boot-key')");
            }

            if (secureBoot is not null && secureBoot.Chip != deviceChip)
            {
                throw new UsageException($"--chip {deviceChip.Name}, but the eFuse file {EfuseFile.PathFor(file.FullName)} is of an {secureBoot.Chip.Name}");
            }

            var keyFile = parse.GetValue(decryptionKey);
            var hmacFile = parse.GetValue(hmacKey);
            if (keyFile is not null && hmacFile is not null)
            {
                throw new UsageException("give at most one of --decryption-key and --hmac-key");
            }

            using var privateKey = keyFile is not null ? CliFiles.DecodeText(keyFile, "private key", pem => ImageDecryptionKey.FromPem(pem, keyFile.FullName))
                : hmacFile is not null ? ImageDecryptionKey.FromHmacKey(ImageEncryptionCommands.ReadHmacKey(hmacFile))
                : null;
            using var flashFile = FileFlash.Open(file.FullName);
            using var http = ServerHttpClient.Create(parse.GetRequiredValue(server));
            bool asJson = parse.GetValue(json);
            var device = new SimulatedDevice(
                deviceId,
                deviceChip,
                flashFile,
                new HttpOtaClient(http) { DecryptionKey = privateKey },
                new SimulatedDeviceOptions
                {
                    SecureBoot = secureBoot,
                    RevokeKeysOnConfirm = revokeSlots,
                    SelfTest = _ => outcome,
                    Checkpoints = new FileOtaCheckpointStore(file.FullName + ".ota-checkpoint.json"),
                    FlashTiming = parse.GetValue(flashTime) ? FlashTiming.Default : null,
                    OnStep = asJson ? null : step => context.Console.MarkupLineInterpolated(
                        $"[grey]{step.Elapsed.TotalSeconds,7:F3}s[/]{(step.FlashTime is { } t ? $" [grey](flash {t.Typical.TotalSeconds:F3}s typ)[/]" : "")} {step.Kind,-12} {step.Version ?? ""} {step.Detail ?? ""}"),
                });
            var result = device.RunCycleAsync().GetAwaiter().GetResult();
            if (secureBoot is not null && (kept is not null || revokeSlots.Length > 0))
            {
                // What the run burnt (a revocation) is the device's from now on.
                EfuseFile.Save(file.FullName, secureBoot);
            }
            if (asJson)
            {
                context.Out.WriteLine(CliJson.Format(new JsonObject
                {
                    ["device"] = deviceId,
                    ["outcome"] = result.Outcome.ToString(),
                    ["running_version"] = result.RunningVersion,
                    ["offered_version"] = result.OfferedVersion,
                    ["error"] = result.Error?.Message,
                    ["timeline"] = CliJson.Array(device.Timeline, s => new JsonObject
                    {
                        ["kind"] = s.Kind.ToString(),
                        ["version"] = s.Version,
                        ["detail"] = s.Detail,
                        ["seconds"] = s.Elapsed.TotalSeconds,
                        ["flash_seconds_typical"] = s.FlashTime?.Typical.TotalSeconds,
                        ["flash_seconds_max"] = s.FlashTime?.Maximum.TotalSeconds,
                    }),
                    ["flash_time"] = device.TimedFlash is { } timed ? new JsonObject
                    {
                        ["part"] = timed.Timing.Part,
                        ["erase_seconds_typical"] = timed.EraseTime.Typical.TotalSeconds,
                        ["erase_seconds_max"] = timed.EraseTime.Maximum.TotalSeconds,
                        ["program_seconds_typical"] = timed.ProgramTime.Typical.TotalSeconds,
                        ["program_seconds_max"] = timed.ProgramTime.Maximum.TotalSeconds,
                        ["read_seconds_typical"] = timed.ReadTime.Typical.TotalSeconds,
                        ["read_seconds_max"] = timed.ReadTime.Maximum.TotalSeconds,
                        ["total_seconds_typical"] = timed.Elapsed.Typical.TotalSeconds,
                        ["total_seconds_max"] = timed.Elapsed.Maximum.TotalSeconds,
                    } : null,
                }));
            }
            else
            {
                context.Console.MarkupLineInterpolated($"{deviceId}: [bold]{result.Outcome}[/], running {result.RunningVersion}{(result.Error is null ? "" : $" ({result.Error.Message})")}");
                if (device.TimedFlash is { } timed)
                {
                    context.Console.MarkupLineInterpolated($"modelled flash time ({timed.Timing.Part}): erase {timed.EraseTime}, program {timed.ProgramTime}, read {timed.ReadTime}; total {timed.Elapsed}");
                }
            }

            return result.Outcome is DeviceCycleOutcome.Failed or DeviceCycleOutcome.Refused ? ExitCodes.Failure : ExitCodes.Ok;
        });
        return command;
    }

    private static Command CreateFleet(CliContext context)
    {
        var server = ServerOptions.Server();
        var factory = new Option<FileInfo>("--factory") { Description = "The factory app every device starts with.", Required = true };
        var count = new Option<int>("--count") { Description = "How many devices.", DefaultValueFactory = _ => 10 };
        var concurrency = new Option<int>("--concurrency") { Description = "Devices running at once (default: all)." };
        var chip = ChipOption();
        var selfTest = SelfTestOption();
        var slot = SlotSizeOption();
        var json = ServerOptions.Json();
        var rounds = new Option<int>("--rounds") { Description = "Update checks per device (each after --interval ± --jitter); more than 1 keeps the fleet polling, as a rollout needs.", DefaultValueFactory = _ => 1 };
        var interval = new Option<double>("--interval") { Description = "Mean seconds between two checks of one device.", DefaultValueFactory = _ => 1 };
        var jitter = new Option<double>("--jitter") { Description = "Share by which each interval varies either way (0.3: ±30 %).", DefaultValueFactory = _ => 0.3 };
        var failRate = new Option<double>("--fail-rate") { Description = "Share (0-1) of devices whose self-test of a new app fails (chosen by a hash of seed, device and version).", DefaultValueFactory = _ => 0 };
        var failVersion = new Option<string?>("--fail-version") { Description = "Apply --fail-rate only to this version (default: every new version)." };
        var seed = new Option<int>("--seed") { Description = "Seed of the jitter and of which devices fail.", DefaultValueFactory = _ => 1 };
        var command = new Command("fleet", "Run many in-memory devices against a server (one cycle each, or polling for --rounds) and summarise.")
        {
            server, factory, count, concurrency, chip, selfTest.Option, slot, json, rounds, interval, jitter, failRate, failVersion, seed,
        };
        command.SetAction(parse =>
        {
            int n = parse.GetValue(count);
            if (n <= 0)
            {
                throw new UsageException("--count must be positive");
            }

            if (parse.GetValue(failRate) is < 0 or > 1)
            {
                throw new UsageException("--fail-rate must be in [0, 1]");
            }

            if (parse.GetValue(rounds) > 1 || parse.GetValue(failRate) > 0)
            {
                return PollingFleet.Run(
                    context,
                    parse.GetRequiredValue(server),
                    File.ReadAllBytes(parse.GetRequiredValue(factory).FullName),
                    new SimulatedFleetOptions
                    {
                        Count = n,
                        Chip = parse.GetRequiredValue(chip),
                        SlotSize = SlotSize(parse, slot),
                        PollInterval = TimeSpan.FromSeconds(parse.GetValue(interval)),
                        Jitter = parse.GetValue(jitter),
                        SelfTestFailureRate = app => parse.GetValue(failVersion) is { } only && app.Version != only ? 0 : parse.GetValue(failRate),
                        Concurrency = parse.GetValue(concurrency) is > 0 and var limit ? limit : 8,
                        Seed = parse.GetValue(seed),
                    },
                    parse.GetValue(rounds),
                    parse.GetValue(json));
            }

            int parallel = parse.GetValue(concurrency) is > 0 and var c ? c : n;
            var factoryFile = parse.GetRequiredValue(factory);
            var app = CliFiles.Read(factoryFile, "factory app image");
            RequireApp(app, factoryFile);
            // One shared base image; each device's flash holds only the sectors it writes.
            var flashImage = new FlashBaseImage(SimulatedDeviceFlash.Build(app, SlotSize(parse, slot)));
            var outcome = selfTest.Get(parse);
            var deviceChip = parse.GetRequiredValue(chip);
            using var http = ServerHttpClient.Create(parse.GetRequiredValue(server), timeout: Timeout.InfiniteTimeSpan);
            var client = new HttpOtaClient(http);
            var clock = Stopwatch.StartNew();
            var results = FleetRunner.RunAsync(
                n,
                parallel,
                i => new SimulatedDevice($"fleet-{i:d4}", deviceChip, new CopyOnWriteFlash(flashImage), client, new SimulatedDeviceOptions { SelfTest = _ => outcome }),
                CancellationToken.None).GetAwaiter().GetResult();
            var elapsed = clock.Elapsed;
            var byOutcome = results.GroupBy(r => r.Outcome).ToDictionary(g => g.Key.ToString(), g => g.Count());
            long bytes = results.Sum(r => r.Install?.BytesDownloaded ?? 0);
            if (parse.GetValue(json))
            {
                context.Out.WriteLine(CliJson.Format(new JsonObject { ["devices"] = n, ["seconds"] = elapsed.TotalSeconds, ["bytes"] = bytes, ["outcomes"] = CliJson.Counts(byOutcome) }));
            }
            else
            {
                var table = new Table().AddColumns("Outcome", "Devices");
                foreach (var (key, value) in byOutcome)
                {
                    table.AddRow(key, value.ToString(System.Globalization.CultureInfo.InvariantCulture));
                }

                context.Console.Write(table);
                context.Console.MarkupLineInterpolated($"{n} devices in {elapsed.TotalSeconds:F2}s, {bytes / 1e6:F1} MB downloaded ({bytes / 1e6 / elapsed.TotalSeconds:F1} MB/s)");
            }

            return results.Any(r => r.Outcome is DeviceCycleOutcome.Failed or DeviceCycleOutcome.Refused) ? ExitCodes.Failure : ExitCodes.Ok;
        });
        return command;
    }
}
