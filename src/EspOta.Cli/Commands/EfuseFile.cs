using System.Text.Json;
using EspOta.Cli.Files;
using EspOta.Images;
using EspOta.Security;

namespace EspOta.Cli.Commands;

/// <summary>
/// A device's eFuses live beside its flash image, in <c>&lt;flash&gt;.efuse.json</c>: eFuse bits are not flash, but
/// they belong to the same chip, so <c>flash build</c> and <c>device create</c> write them there and <c>flash boot</c>
/// and <c>device run</c> (which saves the bits a run burns, e.g. a key revocation) read them.
/// </summary>
internal static class EfuseFile
{
    /// <summary>The eFuse file of a flash image.</summary>
    public static string PathFor(string flashPath) => Path.GetFullPath(flashPath) + ".efuse.json";

    /// <summary>The Secure Boot configuration kept for <paramref name="flashPath"/>, or null when there is no file or secure boot is off.</summary>
    /// <exception cref="FileProblemException">The file is not a valid eFuse file (names the file and the field).</exception>
    public static SecureBootDeviceConfig? Load(string flashPath)
    {
        string path = PathFor(flashPath);
        if (!File.Exists(path))
        {
            return null;
        }

        var bytes = CliFiles.Read(path, "eFuse file");
        EfuseFileDocument? document;
        try
        {
            document = JsonSerializer.Deserialize(bytes, CliJsonContext.Default.EfuseFileDocument);
        }
        catch (JsonException e)
        {
            throw Bad(path, $"not valid JSON ({e.Message})");
        }

        if (document is null)
        {
            throw Bad(path, "null");
        }

        if (!Chip.TryFromName(document.Chip, out var chip))
        {
            throw Bad(path, $"chip '{document.Chip}' is unknown");
        }

        if (document.SecureBoot is not { } sb)
        {
            return null;
        }

        if (!SignatureSchemes.TryParse(sb.Scheme, out var scheme))
        {
            throw Bad(path, $"secure_boot.scheme '{sb.Scheme}' is unknown (one of: rsa3072, ecdsa192, ecdsa256, ecdsa384)");
        }

        var keys = new List<SecureBootKeyDigest>();
        for (int i = 0; i < (sb.KeyDigests ?? []).Length; i++)
        {
            string? hex = sb.KeyDigests![i];
            if (hex is null)
            {
                break;
            }

            keys.Add(SecureBootKeyDigest.TryParse(hex, out var digest) ? digest! : throw Bad(path, $"secure_boot.key_digests[{i}] is not 64 hex digits"));
        }

        SecureBootDeviceConfig config;
        try
        {
            config = SecureBootDeviceConfig.SecureBoot(chip, scheme, keys, sb.AggressiveRevoke);
        }
        catch (ArgumentException e)
        {
            throw Bad(path, e.Message);
        }

        var revoked = sb.Revoked ?? [];
        for (int slot = 0; slot < revoked.Length; slot++)
        {
            if (revoked[slot])
            {
                if (slot >= config.Efuses.Slots)
                {
                    throw Bad(path, $"secure_boot.revoked[{slot}]: {chip.DisplayName} has digest slots 0..{config.Efuses.Slots - 1}");
                }

                config.Efuses.Revoke(slot);
            }
        }

        return config;
    }

    /// <summary>Writes (atomically) the eFuse file of <paramref name="flashPath"/>; with a null <paramref name="config"/>, removes a stale one.</summary>
    public static void Save(string flashPath, SecureBootDeviceConfig? config)
    {
        string path = PathFor(flashPath);
        if (config is null)
        {
            File.Delete(path);
            return;
        }

        var efuses = config.Efuses;
        var document = new EfuseFileDocument(
            config.Chip.Name,
            new SecureBootEfuseDocument(config.Scheme.ToolName(), [.. efuses.Digests.Select(d => d?.Hex)], [.. efuses.Revoked], efuses.AggressiveRevoke));
        CliFiles.WriteAtomic(path, JsonSerializer.SerializeToUtf8Bytes(document, CliJsonContext.Default.EfuseFileDocument), "eFuse file");
    }

    /// <summary>The eFuses for <c>--json</c> output.</summary>
    public static System.Text.Json.Nodes.JsonObject? Describe(SecureBootDeviceConfig? config) => config is null ? null : new()
    {
        ["enabled"] = config.Efuses.Enabled,
        ["scheme"] = config.Scheme.ToolName(),
        ["key_digests"] = CliJson.Array(config.Efuses.Digests, d => d is null ? null : System.Text.Json.Nodes.JsonValue.Create(d.Hex)),
        ["revoked_slots"] = CliJson.Array(Enumerable.Range(0, config.Efuses.Slots).Where(i => config.Efuses.Revoked[i]), i => System.Text.Json.Nodes.JsonValue.Create(i)),
    };

    private static FileProblemException Bad(string path, string what) => new($"eFuse file {path}: {what}", ExitCodes.Failure);
}
