using EspOta.Cli.Files;
using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using EspOta.Images;

namespace EspOta.Cli.Commands;

/// <summary><c>esp-ota image …</c>: <c>esptool.py image_info</c>, ESP-IDF's image verification, and an app image builder.</summary>
internal static class ImageCommand
{
    private static readonly JsonSerializerOptions Indented = CliJson.Options;

    public static Command Create(CliContext context)
    {
        var command = new Command("image", "Read, verify and build app images (esptool.py image_info, esp_image_verify, elf2image).");
        command.Subcommands.Add(CreateInfo(context));
        command.Subcommands.Add(CreateVerify(context));
        command.Subcommands.Add(CreateBuild(context));
        command.Subcommands.Add(ImageSignatureCommands.CreateSign(context));
        command.Subcommands.Add(ImageSignatureCommands.CreateSignatureInfo(context));
        command.Subcommands.Add(ImageSignatureCommands.CreateVerifySignature(context));
        command.Subcommands.Add(ImageEncryptionCommands.CreateEncrypt(context));
        command.Subcommands.Add(ImageEncryptionCommands.CreateDecrypt(context));
        return command;
    }

    private static Option<string?> ChipOption(string description) => new("--chip") { Description = description };

    private static Option<bool> JsonOption() => new("--json") { Description = "Write one JSON object to stdout." };

    private static Chip? ResolveChip(string? name)
    {
        if (name is null || name.Equals("auto", StringComparison.OrdinalIgnoreCase))
        {
            return null;
        }

        return Chip.TryFromName(name, out var chip)
            ? chip
            : throw new UsageException($"unknown chip '{name}' (one of: {string.Join(", ", Chip.All.Select(c => c.Name))})");
    }

    /// <summary><c>image info</c>; also the root command <c>image-info</c>, esptool v5's name for it.</summary>
    internal static Command CreateInfo(CliContext context, string name = "info")
    {
        var input = new Argument<FileInfo>("image") { Description = "An app or bootloader image (.bin)." };
        var chipOption = ChipOption("Chip to parse for (default: from the image's chip id, as --chip auto).");
        var json = JsonOption();
        var signatures = new Option<bool>("--signatures") { Description = "Also list the Secure Boot signature blocks (key digests, digest check)." };
        var info = new Command(name, "Show an image like esptool.py image_info --version 2.") { input, chipOption, json, signatures };
        info.SetAction(parse =>
        {
            var file = parse.GetRequiredValue(input);
            var bytes = CliFiles.Read(file, "image", allowEmpty: true);
            if (ImageEncryptionCommands.TryWriteInfo(context, file.FullName, bytes, parse.GetValue(json)))
            {
                return ExitCodes.Ok;
            }

            var given = ResolveChip(parse.GetValue(chipOption));
            var chip = given ?? AppImage.DetectChip(bytes);
            string chipArgument = given is null ? chip.DisplayName : chip.Name;
            bool asJson = parse.GetValue(json);
            if (!asJson && ImageInfoText.FirstByteProblem(bytes) is { } problem)
            {
                // image_info gives up before it detects the chip or loads anything.
                ImageInfoText.WritePreamble(context.Out, bytes.Length, chipArgument, detected: false, []);
                throw new ImageFormatException(problem, 0);
            }

            AppImage image;
            try
            {
                image = AppImage.Parse(bytes, chip);
            }
            catch (ImageFormatException ex) when (asJson)
            {
                context.Out.WriteLine(ImageInfoJson.Error(chip.Name, bytes, ex).ToJsonString(Indented));
                return ExitCodes.Failure;
            }
            catch (ImageFormatException ex)
            {
                ImageInfoText.WritePreamble(context.Out, bytes.Length, chipArgument, detected: given is null, ex.LoadMessages);
                throw;
            }

            if (asJson)
            {
                context.Out.WriteLine(ImageInfoJson.Build(image).ToJsonString(Indented));
            }
            else
            {
                ImageInfoText.Write(context.Out, image, chipArgument, detected: given is null);
                if (parse.GetValue(signatures))
                {
                    ImageSignatureCommands.WriteSectorText(context.Out, image);
                }
            }

            return ExitCodes.Ok;
        });
        return info;
    }

    private static Command CreateVerify(CliContext context)
    {
        var input = new Argument<FileInfo>("image") { Description = "An app image (.bin)." };
        var chipOption = ChipOption("The chip the image must be for (default: any chip ESP-IDF knows).");
        var revision = new Option<ushort?>("--chip-revision") { Description = "Chip revision (major*100+minor) to check the image's window against." };
        var bootloader = new Option<bool>("--bootloader") { Description = "Verify as a bootloader image." };
        var secureBoot = new Option<bool>("--secure-boot-v2") { Description = "Require a Secure Boot v2 signature sector whose block carries the image digest (keys are not checked)." };
        var json = JsonOption();
        var verify = new Command("verify", "Verify an image as ESP-IDF's esp_image_verify does (exit 1 if invalid).")
        {
            input, chipOption, revision, bootloader, secureBoot, json,
        };
        verify.SetAction(parse =>
        {
            var file = parse.GetRequiredValue(input);
            var options = new ImageVerifyOptions
            {
                ExpectedChip = ResolveChip(parse.GetValue(chipOption)),
                ChipRevision = parse.GetValue(revision),
                IsBootloader = parse.GetValue(bootloader),
                SecureBootV2 = parse.GetValue(secureBoot),
            };
            ImageVerification result;
            using (var stream = CliFiles.OpenRead(file, "image", allowEmpty: true))
            {
                result = ImageVerifier.Verify(stream, options);
            }

            if (parse.GetValue(json))
            {
                var node = new JsonObject
                {
                    ["valid"] = result.IsValid,
                    ["failed_check"] = result.FailedCheck?.ToString(),
                    ["failure_offset"] = result.FailureOffset,
                    ["message"] = result.FailureMessage,
                    ["esp_err"] = result.IsValid ? null : result.Error.GetName(),
                    ["chip"] = result.Chip?.Name,
                    ["image_length"] = result.ImageLength,
                    ["sha256"] = result.Sha256.IsEmpty ? null : Convert.ToHexStringLower(result.Sha256.Span),
                    ["app_desc"] = result.AppDescription is { } a
                        ? new JsonObject { ["project_name"] = a.ProjectName, ["version"] = a.Version, ["secure_version"] = a.SecureVersion, ["idf_ver"] = a.IdfVersion }
                        : null,
                };
                context.Out.WriteLine(node.ToJsonString(Indented));
            }
            else if (result.IsValid)
            {
                context.Out.WriteLine($"{file.Name}: valid {result.Chip?.Name} image, {result.ImageLength} bytes, sha256 {Convert.ToHexStringLower(result.Sha256.Span)}");
                if (result.AppDescription is { } a)
                {
                    context.Out.WriteLine($"  project {a.ProjectName}, version {a.Version}, secure_version {a.SecureVersion}, ESP-IDF {a.IdfVersion}");
                }
            }
            else
            {
                context.Out.WriteLine($"{file.Name}: invalid: {result.FailedCheck} at offset 0x{result.FailureOffset:x}: {result.FailureMessage}");
            }

            return result.IsValid ? ExitCodes.Ok : ExitCodes.Failure;
        });
        return verify;
    }

    private static Command CreateBuild(CliContext context)
    {
        var chipOption = new Option<string>("--chip") { Description = "Target chip (esp32, esp32s3, esp32c6 …).", Required = true };
        var project = new Option<string>("--project") { Description = "Project name in esp_app_desc_t.", DefaultValueFactory = _ => "app" };
        var version = new Option<string>("--version") { Description = "App version string.", DefaultValueFactory = _ => "1.0.0" };
        var secure = new Option<uint>("--secure-version") { Description = "Anti-rollback secure_version." };
        var size = new Option<string?>("--size") { Description = "Pad with 0xFF to this total size (e.g. 1M, 64K, 0x20000)." };
        var payload = new Option<string?>("--payload") { Description = "Bytes of deterministic payload in the DROM segment (e.g. 100K)." };
        var output = new Option<FileInfo>("--output", "-o") { Description = "Where to write the image.", Required = true };
        var json = JsonOption();
        var build = new Command("build", "Build an ESP-IDF-style app image (app description at 0x20, SHA-256 appended).")
        {
            chipOption, project, version, secure, size, payload, output, json,
        };
        build.SetAction(parse =>
        {
            var chip = ResolveChip(parse.GetRequiredValue(chipOption)) ?? throw new UsageException("--chip auto is not valid for build");
            if (!chip.HasExtendedHeader)
            {
                throw new UsageException($"cannot build {chip.Name} images");
            }

            var builder = new AppImageBuilder(chip)
                .WithProject(parse.GetValue(project) ?? "app")
                .WithVersion(parse.GetValue(version) ?? "1.0.0")
                .WithSecureVersion(parse.GetValue(secure));
            if (parse.GetValue(payload) is { } p)
            {
                builder.WithPayload((int)SizeArgument.Parse(p, "--payload", max: Array.MaxLength));
            }

            if (parse.GetValue(size) is { } s)
            {
                builder.PadTo(SizeArgument.Parse(s, "--size", max: Array.MaxLength));
            }

            byte[] image;
            try
            {
                image = builder.Build();
            }
            catch (InvalidOperationException ex)
            {
                throw new UsageException(ex.Message);
            }

            var file = parse.GetRequiredValue(output);
            CliFiles.WriteAtomic(file.FullName, image, "app image");
            var verification = ImageVerifier.Verify(image, new ImageVerifyOptions { ExpectedChip = chip });

            // The hash of the file as written (padding included) is the one the update server records
            // and devices are offered; the image's own appended hash covers the unpadded image only.
            string fileSha256 = Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(image));
            if (parse.GetValue(json))
            {
                context.Out.WriteLine(new JsonObject
                {
                    ["path"] = file.FullName,
                    ["chip"] = chip.Name,
                    ["file_size"] = image.Length,
                    ["image_length"] = verification.ImageLength,
                    ["sha256"] = fileSha256,
                    ["image_sha256"] = Convert.ToHexStringLower(verification.Sha256.Span),
                    ["valid"] = verification.IsValid,
                }.ToJsonString(Indented));
            }
            else
            {
                context.Out.WriteLine(image.Length == verification.ImageLength
                    ? $"Wrote {file.FullName}: {chip.Name} app image, {image.Length} bytes, sha256 {fileSha256}"
                    : $"Wrote {file.FullName}: {chip.Name} app image, {image.Length} bytes (image {verification.ImageLength} bytes + 0xFF padding), sha256 {fileSha256} (of the file; image's own {Convert.ToHexStringLower(verification.Sha256.Span)})");
            }

            return verification.IsValid ? ExitCodes.Ok : ExitCodes.Failure;
        });
        return build;
    }
}
