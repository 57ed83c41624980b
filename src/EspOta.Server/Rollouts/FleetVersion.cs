namespace EspOta.Server.Rollouts;

/// <summary>
/// The placement counters (migrations 0101_fleet_version and 0102_rollout_version), read in one query:
/// <paramref name="Version"/> moves when a device appears, changes project or chip, or any label changes;
/// <paramref name="LabelsVersion"/> only for labels; <paramref name="RolloutsVersion"/> when a rollout
/// appears or changes; <paramref name="MembersVersion"/> when a rollout member appears or changes.
/// </summary>
/// <param name="Version">Moves with every device change that can move a device between rollout stages.</param>
/// <param name="LabelsVersion">Moves with every label change.</param>
/// <param name="RolloutsVersion">Moves with every rollout row written.</param>
/// <param name="MembersVersion">Moves with every member row written; each member row keeps the value it moved to.</param>
internal readonly record struct FleetVersion(long Version, long LabelsVersion, long RolloutsVersion = 0, long MembersVersion = 0);
