using System.CommandLine;
using System.Security.Cryptography;
using System.Text.Json;
using System.Text.Json.Nodes;
using EspOta.Cli.Files;
using EspOta.Security;

namespace EspOta.Cli.Commands;

/// <summary>
/// <c>esp-ota image encrypt|decrypt</c> (<c>esp_enc_img_gen.py encrypt|decrypt</c>) and what
/// <c>image info</c> says about a pre-encrypted file.
/// </summary>
internal static class ImageEncryptionCommands
{
    private static readonly JsonSerializerOptions Indented = new() { WriteIndented = true };

    public static Command CreateEncrypt(CliContext context)
    {
        var input = new Argument<FileInfo>("input") { Description = "The plain image (.bin)." };
        var key = new Option<FileInfo>("--public-key") { Description = "RSA-3072 or P-256 key (PEM; rsa_pub_key.pem or device_pub_key.pem; a private key's public half is used).", Required = true };
        var output = new Option<FileInfo>("--output", "-o") { Description = "Where to write the encrypted image.", Required = true };
        var json = new Option<bool>("--json") { Description = "Write one JSON object to stdout." };
        var command = new Command("encrypt", "Encrypt an image for esp_encrypted_img (as esp_enc_img_gen.py encrypt): 512-byte header + AES-256-GCM.")
        {
            input, key, output, json,
        };
        command.SetAction(parse =>
        {
            var source = parse.GetRequiredValue(input);
            var target = parse.GetRequiredValue(output);
            var keyFile = parse.GetRequiredValue(key);
            using var publicKey = CliFiles.DecodeText(keyFile, "public key", pem => ImageEncryptionKey.FromPem(pem, keyFile.FullName));
            EncryptedImageHeader header = default;
            // Any bytes are an image to encrypt, as for esp_enc_img_gen.py (0 bytes too).
            using (var plain = CliFiles.OpenRead(source, "image", allowEmpty: true))
            {
                AtomicFile.Write(target.FullName, stream => header = EncryptedImageEncryptor.Encrypt(plain, plain.Length, stream, publicKey));
            }

            var result = new JsonObject
            {
                ["path"] = target.FullName,
                ["scheme"] = SchemeName(publicKey.Scheme),
                ["plain_length"] = header.PlainLength,
                ["file_size"] = header.FileLength,
                ["key_fingerprint"] = publicKey.Fingerprint,
                ["sha256"] = Sha256(target.FullName),
            };
            if (parse.GetValue(json))
            {
                context.Out.WriteLine(result.ToJsonString(Indented));
            }
            else
            {
                context.Out.WriteLine($"Wrote {target.FullName}: {SchemeName(publicKey.Scheme)} pre-encrypted image, {header.PlainLength} plain bytes, {header.FileLength} bytes");
            }

            return ExitCodes.Ok;
        });
        return command;
    }

    public static Command CreateDecrypt(CliContext context)
    {
        var input = new Argument<FileInfo>("input") { Description = "The encrypted image." };
        var key = new Option<FileInfo?>("--private-key") { Description = "RSA-3072 or P-256 private key (PEM)." };
        var hmac = new Option<FileInfo?>("--hmac-key") { Description = "The device's 32-byte eFuse HMAC key (device_hmac_key.bin); the ECIES key is derived from it as the device does." };
        var output = new Option<FileInfo>("--output", "-o") { Description = "Where to write the plain image (only if the tag verifies).", Required = true };
        var trailing = new Option<bool>("--ignore-trailing-data") { Description = "Ignore bytes after bin_size as esp_enc_img_gen.py does (the device rejects them)." };
        var json = new Option<bool>("--json") { Description = "Write one JSON object to stdout." };
        var command = new Command("decrypt", "Decrypt an esp_encrypted_img image and check its GCM tag (as esp_enc_img_gen.py decrypt; exit 1 if rejected).")
        {
            input, key, hmac, output, trailing, json,
        };
        command.SetAction(parse =>
        {
            var keyFile = parse.GetValue(key);
            var hmacFile = parse.GetValue(hmac);
            if ((keyFile is null) == (hmacFile is null))
            {
                throw new UsageException("give exactly one of --private-key and --hmac-key");
            }

            using var privateKey = keyFile is not null
                ? CliFiles.DecodeText(keyFile, "private key", pem => ImageDecryptionKey.FromPem(pem, keyFile.FullName))
                : ImageDecryptionKey.FromHmacKey(CliFiles.Decode(hmacFile!, "HMAC key file", HmacKey));
            var source = parse.GetRequiredValue(input);
            var target = parse.GetRequiredValue(output);
            EncryptedImageHeader header = default;
            using (var encrypted = CliFiles.OpenRead(source, "encrypted image"))
            {
                try
                {
                    // The plaintext lands in the temporary file and is renamed into place only after the tag check.
                    AtomicFile.Write(target.FullName, stream => header = EncryptedImageDecryptor.Decrypt(encrypted, stream, privateKey, parse.GetValue(trailing)));
                }
                catch (EncryptedImageException e)
                {
                    throw CliFiles.ContentProblem(source, "encrypted image", e);
                }
            }

            if (parse.GetValue(json))
            {
                context.Out.WriteLine(new JsonObject
                {
                    ["path"] = target.FullName,
                    ["scheme"] = SchemeName(privateKey.Scheme),
                    ["plain_length"] = header.PlainLength,
                    ["sha256"] = Sha256(target.FullName),
                    ["tag_verified"] = true,
                }.ToJsonString(Indented));
            }
            else
            {
                context.Out.WriteLine($"Wrote {target.FullName}: {header.PlainLength} bytes, GCM tag verified ({SchemeName(privateKey.Scheme)})");
            }

            return ExitCodes.Ok;
        });
        return command;
    }

    /// <summary>Describes a file that starts with the esp_encrypted_img magic; false when it does not.</summary>
    public static bool TryWriteInfo(CliContext context, string path, byte[] bytes, bool json)
    {
        if (!EncryptedImageHeader.StartsWithMagic(bytes))
        {
            return false;
        }

        if (bytes.Length < EncryptedImageHeader.Size)
        {
            throw new EncryptedImageException(EncryptedImageFailure.Truncated,
                $"{path}: starts with the esp_encrypted_img magic but has only {bytes.Length} of the {EncryptedImageHeader.Size} header bytes", bytes.Length);
        }

        var header = EncryptedImageHeader.Read(bytes);
        long ciphertext = bytes.Length - EncryptedImageHeader.Size;
        string scheme = LooksLikeEcies(header) ? "ECIES-P256" : "RSA-3072";
        string completeness = ciphertext == header.PlainLength ? "complete"
            : ciphertext < header.PlainLength ? $"truncated: {ciphertext} of {header.PlainLength} ciphertext bytes"
            : $"{ciphertext - header.PlainLength} bytes after bin_size (the device rejects them)";
        if (json)
        {
            var info = new JsonObject
            {
                ["path"] = path,
                ["format"] = "esp_encrypted_img",
                ["file_size"] = bytes.Length,
                ["header_size"] = EncryptedImageHeader.Size,
                ["magic"] = $"0x{header.Magic:x8}",
                ["scheme_guess"] = scheme,
                ["iv"] = Convert.ToHexStringLower(header.Iv.Span),
                ["bin_size"] = header.PlainLength,
                ["auth_tag"] = Convert.ToHexStringLower(header.AuthTag.Span),
                ["ciphertext_length"] = ciphertext,
                ["complete"] = ciphertext == header.PlainLength,
                ["reserved_all_zero"] = !header.Reserved.Span.ContainsAnyExcept((byte)0),
            };
            if (scheme == "ECIES-P256")
            {
                info["server_public_key"] = Convert.ToHexStringLower(header.ServerPublicKey.Span);
                info["kdf_salt"] = Convert.ToHexStringLower(header.KdfSalt.Span);
            }

            context.Out.WriteLine(info.ToJsonString(Indented));
        }
        else
        {
            context.Out.WriteLine($"File: {path}");
            context.Out.WriteLine("Pre-encrypted image (esp_encrypted_img, esp_enc_img_gen.py): the app image inside is AES-256-GCM encrypted; decrypt it with the device key to inspect it.");
            context.Out.WriteLine($"Header: {EncryptedImageHeader.Size} bytes, magic 0x{header.Magic:x8}");
            context.Out.WriteLine($"Key scheme: {scheme} (from the key area's layout; the header has no scheme field)");
            if (scheme == "ECIES-P256")
            {
                context.Out.WriteLine($"Server public key: {Convert.ToHexStringLower(header.ServerPublicKey.Span)}");
                context.Out.WriteLine($"HKDF salt: {Convert.ToHexStringLower(header.KdfSalt.Span)}");
            }

            context.Out.WriteLine($"GCM IV: {Convert.ToHexStringLower(header.Iv.Span)}");
            context.Out.WriteLine($"GCM tag: {Convert.ToHexStringLower(header.AuthTag.Span)}");
            context.Out.WriteLine($"Plain image size (bin_size): {header.PlainLength} bytes");
            context.Out.WriteLine($"Ciphertext: {ciphertext} bytes ({completeness})");
        }

        return true;
    }

    /// <summary>An ECIES header leaves bytes 100..387 zero; an RSA-3072 ciphertext has 288 zero bytes there with negligible probability.</summary>
    private static bool LooksLikeEcies(in EncryptedImageHeader header) =>
        !header.KeyArea.Span[(EncryptedImageHeader.EciesReservedOffset - EncryptedImageHeader.KeyAreaOffset)..].ContainsAnyExcept((byte)0);

    private static byte[] HmacKey(byte[] bytes) =>
        bytes.Length == 32 ? bytes : throw new FormatException($"an eFuse HMAC key is 32 bytes, the file has {bytes.Length}");

    internal static byte[] ReadHmacKey(FileInfo file) => CliFiles.Decode(file, "HMAC key file", HmacKey);

    private static string SchemeName(EncryptedImageScheme scheme) => scheme == EncryptedImageScheme.Rsa3072 ? "RSA-3072" : "ECIES-P256";

    private static string Sha256(string path)
    {
        using var stream = File.OpenRead(path);
        return Convert.ToHexStringLower(SHA256.HashData(stream));
    }
}
