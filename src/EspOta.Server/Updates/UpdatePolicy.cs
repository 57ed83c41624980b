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
        var comparable = parsed.Where(p => p.Version is not null).ToList();
        var running = VersionOrder.Parse(device.Version);
        FirmwareRecord newest;
        if (running is { } r && comparable.Count > 0)
        {
            // A free-form upload says nothing about being newer than a numbered version, so a
            // device on 3.0 must never be sent to a 2.1 that merely happened to be uploaded later.
            newest = NewestByVersion(comparable);
            if (VersionOrder.Compare(VersionOrder.Parse(newest.Version)!.Value, r) <= 0)
            {
                return null;
            }
        }
        else if (running is null && comparable.Count == parsed.Count)
        {
            newest = NewestByVersion(comparable);
        }
        else
        {
            // Nothing comparable: the most recent upload is the newest.
            newest = candidates.MaxBy(f => f.Sequence)!;
        }

        return newest.Version == device.Version ? null : newest;
    }

    private static FirmwareRecord NewestByVersion(List<(FirmwareRecord Record, (long[] Numbers, string Suffix)? Version)> parsed) => parsed
        .OrderBy(p => p.Version!.Value, Comparer<(long[], string)>.Create((a, b) => VersionOrder.Compare(a, b)))
        .ThenBy(p => p.Record.Sequence)
        .Last().Record;
}
