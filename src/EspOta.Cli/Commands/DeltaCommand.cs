using System.CommandLine;
using System.Diagnostics;
using System.Text.Json.Nodes;
using EspOta.Delta;

namespace EspOta.Cli.Commands;

/// <summary>
/// <c>esp-ota delta create|apply|info</c>: esp_delta_ota patches on the host, like
/// <c>esp_delta_ota_patch_gen.py create_patch</c>, <c>detools apply_patch</c> and <c>detools patch_info</c>.
/// </summary>
internal static class DeltaCommand
{
    public static Command Create(CliContext context)
    {
        var command = new Command("delta", "Delta OTA patches (detools sequential, esp_delta_ota header).");
        command.Subcommands.Add(CreateCreate(context));
        command.Subcommands.Add(CreateApply(context));
        command.Subcommands.Add(CreateInfo(context));
        return command;
    }

    private static Command CreateCreate(CliContext context)
    {
        var baseFile = new Argument<FileInfo>("base") { Description = "The running (base) app image." };
        var newFile = new Argument<FileInfo>("new") { Description = "The new app image." };
        var outFile = new Option<FileInfo>("--output", "-o") { Description = "The patch file to write.", Required = true };
        var compression = new Option<string>("--compression") { Description = "heatshrink (what esp_delta_ota applies), none or crle (detools' full build only).", DefaultValueFactory = _ => "heatshrink" };
        compression.AcceptOnlyFromAmong("heatshrink", "none", "crle");
        var window = new Option<int>("--heatshrink-window-sz2") { Description = "heatshrink window bits (esp_delta_ota: 8).", DefaultValueFactory = _ => 8 };
        var lookahead = new Option<int>("--heatshrink-lookahead-sz2") { Description = "heatshrink lookahead bits (esp_delta_ota: 7).", DefaultValueFactory = _ => 7 };
        var noHeader = new Option<bool>("--no-header") { Description = "Write the bare detools patch, without the 64-byte esp_delta_ota header." };
        var json = new Option<bool>("--json") { Description = "Machine-readable output." };
        var command = new Command("create", "Make a patch from base to new (esp_delta_ota_patch_gen.py create_patch).")
        {
            baseFile, newFile, outFile, compression, window, lookahead, noHeader, json,
        };
        command.SetAction(parse =>
        {
            var from = ReadInput(parse.GetRequiredValue(baseFile));
            var to = ReadInput(parse.GetRequiredValue(newFile));
            var parameters = new HeatshrinkParameters(parse.GetValue(window), parse.GetValue(lookahead));
            if (!parameters.IsSupported)
            {
                throw new UsageException($"heatshrink window {parameters.WindowBits} / lookahead {parameters.LookaheadBits} is not supported (window 4..15, lookahead 3..window-1)");
            }

            var options = new DeltaCreateOptions
            {
                Compression = parse.GetValue(compression) switch
                {
                    "none" => DetoolsCompression.None,
                    "crle" => DetoolsCompression.Crle,
                    _ => DetoolsCompression.Heatshrink,
                },
                Heatshrink = parameters,
                EspDeltaOtaHeader = !parse.GetValue(noHeader),
            };
            var clock = Stopwatch.StartNew();
            var patch = DeltaPatchCreator.Create(from, to, options);
            clock.Stop();
            var output = parse.GetRequiredValue(outFile);
            WriteAtomically(output, patch);
            if (parse.GetValue(json))
            {
                context.Out.WriteLine(CliJson.Format(new JsonObject
                {
                    ["patch"] = output.FullName,
                    ["patch_size"] = patch.Length,
                    ["new_size"] = to.Length,
                    ["header"] = options.EspDeltaOtaHeader,
                    ["compression"] = DeltaPatchInfo.CompressionName(options.Compression),
                    ["seconds"] = clock.Elapsed.TotalSeconds,
                }));
            }
            else
            {
                context.Out.WriteLine($"Successfully created '{output.Name}': {patch.Length} bytes for a {to.Length}-byte image ({100.0 * patch.Length / Math.Max(1, to.Length):0.0} %).");
            }

            return ExitCodes.Ok;
        });
        return command;
    }

    private static Command CreateApply(CliContext context)
    {
        var baseFile = new Argument<FileInfo>("base") { Description = "The base app image." };
        var patchFile = new Argument<FileInfo>("patch") { Description = "The patch (with or without the esp_delta_ota header)." };
        var outFile = new Option<FileInfo>("--output", "-o") { Description = "The new image to write.", Required = true };
        var json = new Option<bool>("--json") { Description = "Machine-readable output." };
        var command = new Command("apply", "Apply a patch to base (detools apply_patch; the header is checked like the https_delta_ota example).")
        {
            baseFile, patchFile, outFile, json,
        };
        command.SetAction(parse =>
        {
            var from = ReadInput(parse.GetRequiredValue(baseFile));
            var patch = ReadInput(parse.GetRequiredValue(patchFile));
            bool header = HasHeader(patch);
            if (header)
            {
                DeltaOtaHeader.Read(patch).Verify(DeltaPatchCreator.ValidationHash(from));
            }

            var detools = header ? patch.AsMemory(DeltaOtaHeader.Size) : patch.AsMemory();
            using var result = new MemoryStream();
            var applier = new DeltaApplier(new MemoryDeltaBase(from), new StreamTarget(result), DeltaApplyProfile.Full, detools.Length);
            applier.Process(detools.Span);
            long size = applier.Finalize();
            var output = parse.GetRequiredValue(outFile);
            WriteAtomically(output, result.ToArray());
            if (parse.GetValue(json))
            {
                context.Out.WriteLine(CliJson.Format(new JsonObject { ["output"] = output.FullName, ["new_size"] = size, ["header"] = header }));
            }
            else
            {
                context.Out.WriteLine($"Successfully created '{output.Name}' ({size} bytes).");
            }

            return ExitCodes.Ok;
        });
        return command;
    }

    private static Command CreateInfo(CliContext context)
    {
        var patchFile = new Argument<FileInfo>("patch") { Description = "The patch (with or without the esp_delta_ota header)." };
        var json = new Option<bool>("--json") { Description = "Machine-readable output." };
        var command = new Command("info", "What detools patch_info shows, and the esp_delta_ota header.") { patchFile, json };
        command.SetAction(parse =>
        {
            var patch = ReadInput(parse.GetRequiredValue(patchFile));
            bool header = HasHeader(patch);
            DeltaOtaHeader? espHeader = header ? DeltaOtaHeader.Read(patch) : null;
            var info = DeltaPatchInfo.Read(header ? patch.AsSpan(DeltaOtaHeader.Size) : patch);
            if (parse.GetValue(json))
            {
                context.Out.WriteLine(CliJson.Format(new JsonObject
                {
                    ["esp_delta_ota_header"] = espHeader is { } h ? new JsonObject { ["magic"] = $"0x{h.Magic:x8}", ["base_sha256"] = Convert.ToHexStringLower(h.BaseSha256.Span) } : null,
                    ["type"] = "sequential",
                    ["patch_size"] = info.PatchSize,
                    ["to_size"] = info.NewSize,
                    ["compression"] = DeltaPatchInfo.CompressionName(info.Compression),
                    ["window_sz2"] = info.Heatshrink?.WindowBits,
                    ["lookahead_sz2"] = info.Heatshrink?.LookaheadBits,
                    ["data_format_size"] = info.DataFormatSize,
                    ["diff_sizes"] = CliJson.Array(info.DiffSizes, n => n),
                    ["extra_sizes"] = CliJson.Array(info.ExtraSizes, n => n),
                    ["adjustments"] = CliJson.Array(info.Adjustments, n => n),
                }));
                return ExitCodes.Ok;
            }

            if (espHeader is { } e)
            {
                context.Out.Write($"esp_delta_ota header: magic 0x{e.Magic:x8}, base SHA-256 {Convert.ToHexStringLower(e.BaseSha256.Span)}\n\n");
            }

            context.Out.Write(info.ToDetoolsText());
            return ExitCodes.Ok;
        });
        return command;
    }

    private static bool HasHeader(ReadOnlySpan<byte> patch) =>
        patch.Length >= DeltaOtaHeader.Size && System.Buffers.Binary.BinaryPrimitives.ReadUInt32LittleEndian(patch) == DeltaOtaHeader.ExpectedMagic;

    private static byte[] ReadInput(FileInfo file) =>
        file.Exists ? File.ReadAllBytes(file.FullName) : throw new FileNotFoundException($"{file.FullName} does not exist", file.FullName);

    // Temp file in the same folder, flushed, then renamed over the target.
    private static void WriteAtomically(FileInfo file, ReadOnlySpan<byte> bytes)
    {
        string folder = file.DirectoryName ?? ".";
        string temp = Path.Combine(folder, $".{file.Name}.{Environment.ProcessId}.tmp");
        using (var stream = new FileStream(temp, FileMode.Create, FileAccess.Write, FileShare.None))
        {
            stream.Write(bytes);
            stream.Flush(flushToDisk: true);
        }

        File.Move(temp, file.FullName, overwrite: true);
    }

    private sealed class StreamTarget(Stream stream) : IDeltaTarget
    {
        public void Write(ReadOnlySpan<byte> data) => stream.Write(data);
    }
}
