using System.Text.Json.Serialization;

namespace EspOta.Server.Rollouts;

/// <summary>What an operator says about a device: its group, its tags, and a version it is pinned to.</summary>
/// <param name="Group">Its group, or null.</param>
/// <param name="Tags">Its tags.</param>
/// <param name="PinnedVersion">The version it must run whatever the rollouts say, or null.</param>
public sealed record DeviceLabels(
    [property: JsonPropertyName("group")] string? Group = null,
    [property: JsonPropertyName("tags")] IReadOnlyList<string>? Tags = null,
    [property: JsonPropertyName("pinned_version")] string? PinnedVersion = null)
{
    /// <summary>No labels.</summary>
    public static DeviceLabels None { get; } = new(null, [], null);
}
