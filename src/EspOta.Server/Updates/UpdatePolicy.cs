using EspOta.Http;
using EspOta.Server.Firmware;

namespace EspOta.Server.Updates;

/// <summary>Which firmware, if any, a device should install.</summary>
internal static class UpdatePolicy
{
    /// <summary>
    /// The newest image for the device's project and chip whose secure_version is not below the
    /// device's (the bootloader would refuse it: bootloader_common_check_efuse / esp_efuse_check_secure_version),
    /// that the device has not already rolled back from, and that is newer than what it runs.
    /// </summary>
    public static FirmwareRecord? Choose(UpdateCheckRequest device, IReadOnlyList<FirmwareRecord> firmware, IReadOnlySet<string> rejected)
    {
        var candidates = firmware
            .Where(f => f.Project == device.Project && f.Chip == device.Chip && f.SecureVersion >= device.SecureVersion && !rejected.Contains(f.Sha256))
            .ToList();
        if (candidates.Count == 0)
        {
            return null;
        }

        var parsed = candidates.Select(f => (Record: f, Version: VersionOrder.Parse(f.Version))).ToList();
        FirmwareRecord newest;
        var running = VersionOrder.Parse(device.Version);
        if (parsed.All(p => p.Version is not null))
        {
            newest = parsed
                .OrderBy(p => p.Version!.Value, Comparer<(long[], string)>.Create((a, b) => VersionOrder.Compare(a, b)))
                .ThenBy(p => p.Record.Sequence)
                .Last().Record;
            if (running is { } r && VersionOrder.Compare(VersionOrder.Parse(newest.Version)!.Value, r) <= 0)
            {
                return null;
            }
        }
        else
        {
            // Free-form versions: the most recent upload is the newest.
            newest = candidates.MaxBy(f => f.Sequence)!;
        }

        return newest.Version == device.Version ? null : newest;
    }
}
