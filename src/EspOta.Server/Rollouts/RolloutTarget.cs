using System.Text.Json.Serialization;

namespace EspOta.Server.Rollouts;

/// <summary>
/// Which devices a rollout is for, besides running the firmware's project on its chip: an explicit
/// list, or a group and/or tags (a device must carry every tag). Empty: every device of the project.
/// </summary>
/// <param name="Group">The device group, or null for any.</param>
/// <param name="Tags">Tags a device must all carry.</param>
/// <param name="DeviceIds">When not empty, only these devices (group and tags still apply).</param>
public sealed record RolloutTarget(
    [property: JsonPropertyName("group")] string? Group = null,
    [property: JsonPropertyName("tags")] IReadOnlyList<string>? Tags = null,
    [property: JsonPropertyName("device_ids")] IReadOnlyList<string>? DeviceIds = null)
{
    /// <summary>Whether the device belongs to the target (project and chip are checked by the rollout).</summary>
    public bool Matches(DeviceFacts device)
    {
        if (DeviceIds is { Count: > 0 } ids && !ids.Contains(device.Id, StringComparer.Ordinal))
        {
            return false;
        }

        if (Group is not null && !string.Equals(Group, device.Group, StringComparison.Ordinal))
        {
            return false;
        }

        return Tags is null || Tags.All(t => device.Tags.Contains(t, StringComparer.Ordinal));
    }

    /// <summary>"group lab, tags [a, b], 3 listed devices" or "all devices".</summary>
    public override string ToString()
    {
        var parts = new List<string>();
        if (Group is not null)
        {
            parts.Add($"group {Group}");
        }

        if (Tags is { Count: > 0 })
        {
            parts.Add($"tags [{string.Join(", ", Tags)}]");
        }

        if (DeviceIds is { Count: > 0 })
        {
            parts.Add($"{DeviceIds.Count} listed devices");
        }

        return parts.Count == 0 ? "all devices" : string.Join(", ", parts);
    }
}
