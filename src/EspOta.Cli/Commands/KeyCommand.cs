using System.CommandLine;
using System.Text.Json;
using System.Text.Json.Nodes;
using EspOta.Cli.Files;
using EspOta.Security;

namespace EspOta.Cli.Commands;

/// <summary><c>esp-ota key …</c>: signing and encryption keys (<c>espsecure.py generate_signing_key</c>, <c>digest_sbv2_public_key</c>, <c>esp_enc_img_gen.py --generate_*_key</c>).</summary>
internal static class KeyCommand
{
    private const string EciesScheme = "ecies-p256";
    private static readonly JsonSerializerOptions Indented = new() { WriteIndented = true };

    public static Command Create(CliContext context)
    {
        var command = new Command("key", "Generate keys and compute the public-key digests eFuse stores (espsecure.py, esp_enc_img_gen.py).");
        command.Subcommands.Add(CreateGenerate(context));
        command.Subcommands.Add(CreateDigest(context));
        return command;
    }

    private static Command CreateGenerate(CliContext context)
    {
        var scheme = new Option<string>("--scheme")
        {
            Description = "rsa3072 | ecdsa192 | ecdsa256 | ecdsa384 (Secure Boot v2 signing; rsa3072 is also esp_encrypted_img's RSA key) | ecies-p256 (esp_encrypted_img device key).",
            DefaultValueFactory = _ => "rsa3072",
        };
        var keyfile = new Argument<FileInfo?>("keyfile") { Description = "The private key PEM to write (refused if it exists).", Arity = ArgumentArity.ZeroOrOne };
        var publicFile = new Option<FileInfo?>("--public") { Description = "Also write the public key PEM (SubjectPublicKeyInfo) here." };
        var hmacFile = new Option<FileInfo?>("--hmac-key") { Description = "ecies-p256: where the 32-byte HMAC key goes (default device_hmac_key.bin beside the key)." };
        var outDir = new Option<DirectoryInfo?>("--out-dir")
        {
            Description = "Write the files with esp_enc_img_gen.py's names into this folder: rsa_priv_key.pem + rsa_pub_key.pem, or device_priv_key.pem + device_pub_key.pem + device_hmac_key.bin.",
        };
        var json = new Option<bool>("--json") { Description = "Write one JSON object to stdout." };
        var generate = new Command("generate", "Generate a key (espsecure.py generate_signing_key --version 2, esp_enc_img_gen.py --generate_rsa_key/--generate_ecc_key).")
        {
            scheme, keyfile, publicFile, hmacFile, outDir, json,
        };
        generate.SetAction(parse =>
        {
            string name = parse.GetValue(scheme)!;
            var dir = parse.GetValue(outDir);
            var target = parse.GetValue(keyfile);
            bool ecies = name.Equals(EciesScheme, StringComparison.OrdinalIgnoreCase);
            if (!ecies && !SignatureSchemes.TryParse(name, out _))
            {
                throw new UsageException($"unknown scheme '{name}' (one of: rsa3072, ecdsa192, ecdsa256, ecdsa384, {EciesScheme})");
            }

            if (target is null && dir is null)
            {
                throw new UsageException("give the key file to write, or --out-dir");
            }

            string privatePath = target?.FullName ?? Path.Combine(dir!.FullName, ecies ? "device_priv_key.pem" : "rsa_priv_key.pem");
            string? publicPath = parse.GetValue(publicFile)?.FullName
                ?? (dir is not null ? Path.Combine(dir.FullName, ecies ? "device_pub_key.pem" : "rsa_pub_key.pem") : null)
                ?? (ecies ? Path.Combine(Path.GetDirectoryName(privatePath)!, "device_pub_key.pem") : null);
            var result = new JsonObject { ["scheme"] = name.ToLowerInvariant(), ["private_key"] = privatePath };
            if (ecies)
            {
                string hmacPath = parse.GetValue(hmacFile)?.FullName ?? Path.Combine(dir?.FullName ?? Path.GetDirectoryName(privatePath)!, "device_hmac_key.bin");
                using var key = EciesDeviceKey.Generate();
                AtomicFileWriter.WriteText(privatePath, key.ExportPrivatePem(), mustNotExist: true);
                AtomicFileWriter.WriteText(publicPath!, key.ExportPublicPem());
                AtomicFileWriter.Write(hmacPath, key.HmacKey);
                result["public_key"] = publicPath;
                result["hmac_key"] = hmacPath;
                if (!parse.GetValue(json))
                {
                    context.Out.WriteLine($"ECC-256 device key written: HMAC key {hmacPath}, private key {privatePath}, public key {publicPath}");
                }
            }
            else
            {
                SignatureSchemes.TryParse(name, out var s);
                using var key = SecureBootSigningKey.Generate(s);
                AtomicFileWriter.WriteText(privatePath, key.ExportPrivatePem(), mustNotExist: true);
                if (publicPath is not null)
                {
                    AtomicFileWriter.WriteText(publicPath, key.PublicKey.ExportPem());
                    result["public_key"] = publicPath;
                }

                result["key_digest"] = key.PublicKey.Digest.Hex;
                if (!parse.GetValue(json))
                {
                    string label = s == SignatureScheme.Rsa3072 ? "RSA 3072" : $"ECDSA NIST{s.ToolName()[5..]}p";
                    context.Out.WriteLine($"{label} private key in PEM format written to {privatePath}");
                    if (publicPath is not null)
                    {
                        context.Out.WriteLine($"Public key written to {publicPath}");
                    }

                    context.Out.WriteLine($"Public key digest: {key.PublicKey.Digest.Hex}");
                }
            }

            if (parse.GetValue(json))
            {
                context.Out.WriteLine(result.ToJsonString(Indented));
            }

            return ExitCodes.Ok;
        });
        return generate;
    }

    private static Command CreateDigest(CliContext context)
    {
        var keyfile = new Argument<FileInfo>("keyfile") { Description = "A private or public key PEM (RSA-3072, ECDSA P-192/P-256/P-384)." };
        var output = new Option<FileInfo?>("--output", "-o") { Description = "Write the 32 digest bytes here (what espefuse burns as SECURE_BOOT_DIGESTn)." };
        var json = new Option<bool>("--json") { Description = "Write one JSON object to stdout." };
        var digest = new Command("digest", "The public-key digest eFuse stores (espsecure.py digest_sbv2_public_key).") { keyfile, output, json };
        digest.SetAction(parse =>
        {
            var file = parse.GetRequiredValue(keyfile);
            var key = CliFiles.DecodeText(file, "key file", SecureBootPublicKey.FromPem);
            if (parse.GetValue(output) is { } target)
            {
                AtomicFileWriter.Write(target.FullName, key.Digest.Bytes);
            }

            if (parse.GetValue(json))
            {
                context.Out.WriteLine(new JsonObject
                {
                    ["key"] = file.FullName,
                    ["scheme"] = key.Scheme.ToolName(),
                    ["key_digest"] = key.Digest.Hex,
                    ["output"] = parse.GetValue(output)?.FullName,
                }.ToJsonString(Indented));
            }
            else
            {
                context.Out.WriteLine(key.Digest.Hex);
            }

            return ExitCodes.Ok;
        });
        return digest;
    }
}
