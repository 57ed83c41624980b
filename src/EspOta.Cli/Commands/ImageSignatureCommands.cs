using System.CommandLine;
using System.Text.Json;
using System.Text.Json.Nodes;
using EspOta.Cli.Files;
using EspOta.Images;
using EspOta.Security;

namespace EspOta.Cli.Commands;

/// <summary><c>esp-ota image sign|signature-info|verify-signature</c>: <c>espsecure.py sign_data</c>, <c>signature_info_v2</c>, <c>verify_signature</c>.</summary>
internal static class ImageSignatureCommands
{
    private static readonly JsonSerializerOptions Indented = new() { WriteIndented = true };

    public static Command CreateSign(CliContext context)
    {
        var input = new Argument<FileInfo>("image") { Description = "The image to sign (padded with 0xFF to 4 KiB first)." };
        var keys = new Option<FileInfo[]>("--key", "-k") { Description = "A private key PEM; repeat for up to 3 blocks (key order = block order).", Required = true, AllowMultipleArgumentsPerToken = false };
        var append = new Option<bool>("--append") { Description = "Keep the valid blocks of an already signed image and add these (espsecure --append_signatures)." };
        var output = new Option<FileInfo?>("--output", "-o") { Description = "Where to write the signed image (default: replace the input)." };
        var v1 = new Option<bool>("--v1") { Description = "Secure Boot v1 (ESP32): append the 68-byte ECDSA P-256 signature instead." };
        var json = new Option<bool>("--json") { Description = "Write one JSON object to stdout." };
        var sign = new Command("sign", "Sign an image with Secure Boot v2 signature blocks (espsecure.py sign_data --version 2).") { input, keys, append, output, v1, json };
        sign.SetAction(parse =>
        {
            var file = parse.GetRequiredValue(input);
            // Any bytes are data to sign, as for espsecure.py sign_data (an empty file too).
            var data = CliFiles.Read(file, "data file", allowEmpty: true);
            var keyFiles = parse.GetRequiredValue(keys);
            var target = parse.GetValue(output)?.FullName ?? file.FullName;
            var loaded = keyFiles.Select(k => CliFiles.DecodeText(k, "signing key", SecureBootSigningKey.FromPem)).ToList();
            try
            {
                if (parse.GetValue(v1))
                {
                    if (loaded.Count != 1)
                    {
                        throw new UsageException("Secure Boot V1 only supports one signing key");
                    }

                    AtomicFileWriter.Write(target, SecureBootV1.Sign(data, loaded[0]));
                    context.Out.WriteLine(parse.GetValue(json)
                        ? new JsonObject { ["version"] = 1, ["signed_length"] = data.Length, ["output"] = target }.ToJsonString(Indented)
                        : $"Signed {data.Length} bytes of data from {file.Name}");
                    return ExitCodes.Ok;
                }

                var signed = ImageSigner.Sign(data, loaded, parse.GetValue(append));
                AtomicFileWriter.Write(target, signed.Bytes);
                if (parse.GetValue(json))
                {
                    context.Out.WriteLine(new JsonObject
                    {
                        ["version"] = 2,
                        ["output"] = target,
                        ["padded_by"] = signed.PaddedBy,
                        ["signed_length"] = signed.SignedLength,
                        ["kept_blocks"] = signed.KeptBlocks,
                        ["added_blocks"] = signed.AddedBlocks,
                        ["total_blocks"] = signed.TotalBlocks,
                        ["key_digests"] = new JsonArray([.. loaded.Select(k => (JsonNode)k.PublicKey.Digest.Hex)]),
                    }.ToJsonString(Indented));
                    return ExitCodes.Ok;
                }

                if (signed.PaddedBy > 0)
                {
                    context.Out.WriteLine($"Padding data contents by {signed.PaddedBy} bytes so signature sector aligns at sector boundary");
                }
                else if (signed.AppendFoundNoBlock)
                {
                    context.Out.WriteLine("No valid signature blocks found. Discarding --append-signature and proceeding to sign the image afresh.");
                }
                else if (signed.KeptBlocks > 0)
                {
                    context.Out.WriteLine($"{signed.KeptBlocks} valid signature block(s) already present in the signature sector.");
                }

                context.Out.WriteLine($"{loaded.Count} signing key(s) found.");
                context.Out.WriteLine($"Signed {signed.SignedLength} bytes of data from {file.Name}. Signature sector now has {signed.TotalBlocks} signature blocks.");
                return ExitCodes.Ok;
            }
            finally
            {
                loaded.ForEach(k => k.Dispose());
            }
        });
        return sign;
    }

    public static Command CreateSignatureInfo(CliContext context)
    {
        var input = new Argument<FileInfo>("image") { Description = "A Secure Boot v2 signed image (a multiple of 4096 bytes)." };
        var json = new Option<bool>("--json") { Description = "Write one JSON object to stdout." };
        var info = new Command("signature-info", "The signature blocks and their public-key digests (espsecure.py signature_info_v2).") { input, json };
        info.SetAction(parse =>
        {
            var file = parse.GetRequiredValue(input);
            var (data, result) = CliFiles.Decode(file, "signed image", bytes => (bytes, SignatureInfo.Read(bytes)));
            if (parse.GetValue(json))
            {
                context.Out.WriteLine(new JsonObject
                {
                    ["signature_sector_offset"] = data.Length - SignatureSector.Size,
                    ["blocks"] = new JsonArray([.. result.Blocks.Select(b => (JsonNode)BlockJson(b))]),
                    ["first_absent_block"] = result.FirstAbsentBlock,
                    ["digest_mismatch_block"] = result.DigestMismatchBlock,
                }.ToJsonString(Indented));
            }
            else
            {
                foreach (var b in result.Blocks)
                {
                    context.Out.WriteLine($"Signature block {b.Index} is valid ({b.KeyType}).");
                    if (b.KeyDigest is { } digest)
                    {
                        context.Out.WriteLine($"Public key digest for block {b.Index}: {digest.ToSpacedHex()}");
                    }
                }

                if (result.FirstAbsentBlock is int absent)
                {
                    context.Out.WriteLine($"Signature block {absent} absent/invalid. Skipping checking next blocks.");
                }
            }

            if (result.DigestMismatchBlock is int mismatch)
            {
                context.Error.WriteLine($"esp-ota: error: Digest in signature block {mismatch} doesn't match the image digest.");
                return ExitCodes.Failure;
            }

            return ExitCodes.Ok;
        });
        return info;
    }

    public static Command CreateVerifySignature(CliContext context)
    {
        var input = new Argument<FileInfo>("image") { Description = "A signed image." };
        var keys = new Option<FileInfo[]>("--key", "-k") { Description = "A public (or private) key PEM to verify with; repeatable." };
        var digests = new Option<FileInfo[]>("--digest") { Description = "A 32-byte key digest file (as burnt into eFuse) to trust; repeatable." };
        var scheme = new Option<string?>("--scheme") { Description = "The device's scheme (rsa3072, ecdsa192, ecdsa256, ecdsa384); blocks of others do not count. Default: the key's scheme, or any with --digest." };
        var v1 = new Option<bool>("--v1") { Description = "Secure Boot v1 (ESP32): verify the 68-byte signature after the image with an ECDSA P-256 key." };
        var json = new Option<bool>("--json") { Description = "Write one JSON object to stdout." };
        var verify = new Command("verify-signature", "Verify the signature as the device does (ESP-IDF esp_secure_boot_verify_sbv2_signature_block; espsecure.py verify_signature).")
        {
            input, keys, digests, scheme, v1, json,
        };
        verify.SetAction(parse =>
        {
            var file = parse.GetRequiredValue(input);
            var data = CliFiles.Read(file, "signed image");
            var keyFiles = parse.GetValue(keys) ?? [];
            var digestFiles = parse.GetValue(digests) ?? [];
            if (keyFiles.Length == 0 && digestFiles.Length == 0)
            {
                throw new UsageException("give --key pub.pem or --digest digest.bin");
            }

            if (parse.GetValue(v1))
            {
                return VerifyV1(context, file, data, keyFiles, parse.GetValue(json));
            }

            var publicKeys = keyFiles.Select(k => CliFiles.DecodeText(k, "verification key", SecureBootPublicKey.FromPem)).ToList();
            var trusted = publicKeys.Select(k => k.Digest)
                .Concat(digestFiles.Select(d => SecureBootKeyDigest.FromBytes(CliFiles.Decode(d, "key digest file", DigestBytes))))
                .ToList<SecureBootKeyDigest?>();
            SignatureScheme? deviceScheme = null;
            if (parse.GetValue(scheme) is { } name)
            {
                deviceScheme = SignatureSchemes.TryParse(name, out var s) ? s : throw new UsageException($"unknown scheme '{name}'");
            }
            else if (publicKeys.Select(k => k.Scheme).Distinct().Count() == 1 && digestFiles.Length == 0)
            {
                deviceScheme = publicKeys[0].Scheme;
            }

            SignatureVerification result;
            try
            {
                result = SignatureVerifier.VerifyFile(data, trusted, deviceScheme);
            }
            catch (Exception e) when (CliFiles.IsContentProblem(e))
            {
                throw CliFiles.ContentProblem(file, "signed image", e);
            }

            if (parse.GetValue(json))
            {
                context.Out.WriteLine(new JsonObject
                {
                    ["valid"] = result.IsValid,
                    ["verified_block"] = result.VerifiedBlock?.Index,
                    ["signed_by"] = result.SignedBy?.Hex,
                    ["refusal"] = result.Refusal is { } r ? SnakeCase(r.ToString()) : null,
                    ["blocks"] = new JsonArray([.. result.Blocks.Select(b => (JsonNode)new JsonObject
                    {
                        ["index"] = b.Index,
                        ["status"] = SnakeCase(b.Status.ToString()),
                        ["scheme"] = b.Scheme?.ToolName(),
                        ["key_digest"] = b.KeyDigest?.Hex,
                    })]),
                }.ToJsonString(Indented));
            }
            else
            {
                foreach (var b in result.Blocks)
                {
                    context.Out.WriteLine($"Signature block {b.Index}: {Describe(b.Status)}{(b.KeyDigest is { } d ? $" (key {d.Hex})" : "")}");
                }

                context.Out.WriteLine(result.IsValid
                    ? $"Signature block {result.VerifiedBlock!.Index} verification successful ({result.VerifiedBlock.Scheme!.Value.DisplayName()})."
                    : "Checked all blocks. Signature could not be verified with the provided key.");
            }

            return result.IsValid ? ExitCodes.Ok : ExitCodes.Failure;
        });
        return verify;
    }

    /// <summary>The <c>signature_sector</c> of <c>image info --json</c>: each block slot decoded, or null without a sector.</summary>
    public static JsonNode? SectorJson(AppImage image)
    {
        if (image.SignatureSectorOffset is not long offset)
        {
            return null;
        }

        var bytes = image.Bytes.Span;
        if (offset + SignatureSector.Size > bytes.Length)
        {
            return null;
        }

        var sector = SignatureSector.Read(bytes.Slice((int)offset, SignatureSector.Size));
        var digest = SignedDataDigest.Compute(bytes[..(int)offset]);
        var blocks = new JsonArray();
        foreach (var (block, index) in sector.LeadingBlocks.Select((b, i) => (b, i)))
        {
            var contents = SignatureBlockContents.Decode(block);
            blocks.Add((JsonNode)new JsonObject
            {
                ["index"] = index,
                ["file_offset"] = offset + (index * SignatureBlockV2.Size),
                ["version"] = block.Version,
                ["scheme"] = contents.Scheme?.ToolName(),
                ["image_digest"] = Convert.ToHexStringLower(contents.ImageDigest.Span),
                ["image_digest_matches"] = contents.Scheme is { } s && contents.ImageDigest.Span.SequenceEqual(digest.For(s)),
                ["key_digest"] = contents.PublicKey?.Digest.Hex,
            });
        }

        return new JsonObject { ["offset"] = offset, ["blocks"] = blocks };
    }

    /// <summary>The text form for <c>image info --signatures</c>.</summary>
    public static void WriteSectorText(TextWriter output, AppImage image)
    {
        if (SectorJson(image) is not JsonObject sector)
        {
            output.WriteLine(image.SecureBootV1Signature is { } v1
                ? $"Secure Boot v1 signature at 0x{v1.FileOffset:x} (68 bytes)"
                : "No Secure Boot v2 signature sector");
            return;
        }

        output.WriteLine($"Secure Boot v2 signature sector at 0x{sector["offset"]!.GetValue<long>():x}:");
        foreach (var b in sector["blocks"]!.AsArray())
        {
            output.WriteLine($"  block {b!["index"]}: {b["scheme"] ?? "unknown"}, key digest {b["key_digest"] ?? "-"}, image digest {(b["image_digest_matches"]!.GetValue<bool>() ? "matches" : "DOES NOT MATCH")}");
        }
    }

    private static int VerifyV1(CliContext context, FileInfo file, byte[] data, FileInfo[] keyFiles, bool json)
    {
        var keys = keyFiles.Select(k => CliFiles.Decode(k, "verification key", SecureBootV1.ReadVerificationKey)).ToList();
        AppImage image;
        try
        {
            image = AppImage.Parse(data, Chip.Esp32);
        }
        catch (Exception e) when (CliFiles.IsContentProblem(e))
        {
            throw CliFiles.ContentProblem(file, "signed app image", e);
        }

        long offset = image.SecureBootV1Signature?.FileOffset ?? image.ImageLengthWithoutSignature;
        bool valid = keys.Any(k => SecureBootV1.Verify(data, offset, k));
        context.Out.WriteLine(json
            ? new JsonObject { ["valid"] = valid, ["version"] = 1, ["signed_length"] = offset }.ToJsonString(Indented)
            : valid ? $"Verifying {offset} bytes of data\nSignature is valid" : $"Verifying {offset} bytes of data\nSignature is not valid");
        return valid ? ExitCodes.Ok : ExitCodes.Failure;
    }

    private static JsonObject BlockJson(SignatureInfoBlock b) => new()
    {
        ["index"] = b.Index,
        ["key_type"] = b.KeyType.ToLowerInvariant(),
        ["scheme"] = b.Contents.Scheme?.ToolName(),
        ["image_digest_matches"] = b.DigestMatches,
        ["key_digest"] = b.KeyDigest?.Hex,
    };

    private static byte[] DigestBytes(byte[] bytes)
    {
        if (bytes.Length == SecureBootKeyDigest.Length)
        {
            return bytes;
        }

        var text = System.Text.Encoding.ASCII.GetString(bytes).Trim();
        return SecureBootKeyDigest.TryParse(text, out var parsed)
            ? parsed!.Bytes.ToArray()
            : throw new FormatException($"a key digest file holds 32 bytes or 64 hex digits, got {bytes.Length} bytes");
    }

    private static string Describe(BlockStatus status) => status switch
    {
        BlockStatus.Invalid => "absent/invalid",
        BlockStatus.WrongScheme => "another scheme than the device's",
        BlockStatus.UntrustedKey => "signed by a key that is not trusted",
        BlockStatus.DigestMismatch => "image digest does not match",
        BlockStatus.BadSignature => "signature does not verify",
        BlockStatus.Verified => "verified",
        _ => "not checked",
    };

    private static string SnakeCase(string name) =>
        string.Concat(name.Select((c, i) => char.IsUpper(c) ? (i > 0 ? "_" : "") + char.ToLowerInvariant(c) : c.ToString()));
}
