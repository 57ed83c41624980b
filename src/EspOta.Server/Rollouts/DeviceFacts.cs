namespace EspOta.Server.Rollouts;

/// <summary>What the rollout logic knows about a device: what it runs, its labels and its pin.</summary>
/// <param name="Id">The device id.</param>
/// <param name="Project">The running app's project.</param>
/// <param name="Chip">The chip.</param>
/// <param name="Version">The running app's version.</param>
/// <param name="SecureVersion">The running app's secure_version.</param>
/// <param name="Group">Its group, if any.</param>
/// <param name="Tags">Its tags.</param>
/// <param name="PinnedVersion">The version an operator pinned it to, if any.</param>
public sealed record DeviceFacts(
    string Id,
    string? Project,
    string? Chip,
    string? Version,
    uint SecureVersion,
    string? Group,
    IReadOnlyList<string> Tags,
    string? PinnedVersion = null);
