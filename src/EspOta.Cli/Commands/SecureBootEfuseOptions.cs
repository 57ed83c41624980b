using System.CommandLine;
using EspOta.Cli.Files;
using EspOta.Images;
using EspOta.Security;

namespace EspOta.Cli.Commands;

/// <summary>The Secure Boot v2 eFuse options of <c>flash build</c>, <c>device create</c> and <c>device run</c>.</summary>
internal sealed class SecureBootEfuseOptions
{
    public readonly Option<bool> SecureBoot = new("--secure-boot")
    {
        Description = "Burn SECURE_BOOT_EN: the bootloader and the running app check every app's Secure Boot v2 signature against the digests (needs --secure-boot-key).",
    };

    public readonly Option<string[]> Keys = new("--secure-boot-key", "--secure-boot-key-digest")
    {
        Description = "A key whose digest is burnt into the next digest slot: a PEM key file (public or private), a 32-byte digest file ('esp-ota key digest') or 64 hex digits; repeat for more slots (implies --secure-boot).",
        AllowMultipleArgumentsPerToken = false,
    };

    public readonly Option<string?> Scheme = new("--secure-boot-scheme")
    {
        Description = "The scheme the bootloader checks (rsa3072, ecdsa192, ecdsa256, ecdsa384; default: the PEM keys' scheme, else rsa3072).",
    };

    public readonly Option<int[]> Revoked = new("--revoked-key-slot") { Description = "A digest slot whose KEY_REVOKE eFuse is burnt; repeat for more." };

    public void AddTo(Command command)
    {
        command.Options.Add(SecureBoot);
        command.Options.Add(Keys);
        command.Options.Add(Scheme);
        command.Options.Add(Revoked);
    }

    /// <summary>True when any of the options was given.</summary>
    public bool Given(ParseResult parse) =>
        parse.GetValue(SecureBoot) || (parse.GetValue(Keys) ?? []).Length > 0 || parse.GetValue(Scheme) is not null || (parse.GetValue(Revoked) ?? []).Length > 0;

    /// <summary>The eFuses the options describe for <paramref name="chip"/>, or null when none was given.</summary>
    /// <exception cref="UsageException">An option is wrong (names it and the value).</exception>
    public SecureBootDeviceConfig? Read(ParseResult parse, Chip chip)
    {
        string[] keys = parse.GetValue(Keys) ?? [];
        int[] revoked = parse.GetValue(Revoked) ?? [];
        string? schemeName = parse.GetValue(Scheme);
        if (keys.Length == 0)
        {
            return parse.GetValue(SecureBoot) ? throw new UsageException("--secure-boot needs at least one --secure-boot-key (a device with secure boot and no key digest boots nothing)")
                : revoked.Length > 0 ? throw new UsageException("--revoked-key-slot needs --secure-boot-key")
                : schemeName is not null ? throw new UsageException("--secure-boot-scheme needs --secure-boot-key")
                : null;
        }

        SignatureScheme? scheme = null;
        if (schemeName is not null)
        {
            scheme = SignatureSchemes.TryParse(schemeName, out var named) ? named
                : throw new UsageException($"--secure-boot-scheme: unknown scheme '{schemeName}' (one of: rsa3072, ecdsa192, ecdsa256, ecdsa384)");
        }

        var digests = new List<SecureBootKeyDigest>();
        foreach (string key in keys)
        {
            var (digest, keyScheme) = ReadKey(key);
            if (keyScheme is { } s)
            {
                if (scheme is { } expected && expected != s)
                {
                    throw new UsageException($"--secure-boot-key {key}: a {s.ToolName()} key, but the scheme is {expected.ToolName()}");
                }

                scheme = s;
            }

            digests.Add(digest);
        }

        SecureBootDeviceConfig config;
        try
        {
            config = SecureBootDeviceConfig.SecureBoot(chip, scheme ?? SignatureScheme.Rsa3072, digests);
        }
        catch (Exception e) when (e is ArgumentException or EspException)
        {
            throw new UsageException($"--secure-boot-key: {e.Message}");
        }

        foreach (int slot in revoked)
        {
            if (slot < 0 || slot >= config.Efuses.Slots)
            {
                throw new UsageException($"--revoked-key-slot {slot}: {chip.DisplayName} has digest slots 0..{config.Efuses.Slots - 1}");
            }

            config.Efuses.Revoke(slot);
        }

        return config;
    }

    /// <summary>A key argument: 64 hex digits, a 32-byte digest file, or a PEM key file (whose scheme is known).</summary>
    private static (SecureBootKeyDigest Digest, SignatureScheme? Scheme) ReadKey(string value)
    {
        if (!File.Exists(value) && !Directory.Exists(value) && SecureBootKeyDigest.TryParse(value, out var hex))
        {
            return (hex!, null);
        }

        if (!File.Exists(value) && !Directory.Exists(value))
        {
            throw new UsageException($"--secure-boot-key '{value}': no such file, and not 64 hex digits");
        }

        var bytes = CliFiles.Read(value, "secure boot key");
        string full = Path.GetFullPath(value);
        if (bytes.Length == SecureBootKeyDigest.Length)
        {
            return (SecureBootKeyDigest.FromBytes(bytes), null);
        }

        string text = System.Text.Encoding.ASCII.GetString(bytes);
        if (!text.Contains("-----BEGIN", StringComparison.Ordinal))
        {
            throw new UsageException($"--secure-boot-key {full}: {bytes.Length} bytes, neither a 32-byte key digest nor a PEM key");
        }

        try
        {
            var key = SecureBootPublicKey.FromPem(text);
            return (key.Digest, key.Scheme);
        }
        catch (SignatureException e)
        {
            throw new UsageException($"--secure-boot-key {full}: {e.Message}");
        }
    }
}
