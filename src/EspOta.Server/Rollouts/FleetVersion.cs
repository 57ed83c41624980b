namespace EspOta.Server.Rollouts;

/// <summary>
/// The fleet placement counters (migration 0101_fleet_version): <paramref name="Version"/> moves when a
/// device appears, changes project or chip, or any label changes; <paramref name="LabelsVersion"/> only
/// for labels.
/// </summary>
/// <param name="Version">Moves with every change that can move a device between rollout stages.</param>
/// <param name="LabelsVersion">Moves with every label change.</param>
internal readonly record struct FleetVersion(long Version, long LabelsVersion);
