namespace EspOta.Server.Rollouts;

/// <summary>Rollouts, their members and history, and device labels (docs/storage.md).</summary>
internal interface IRolloutStore
{
    /// <summary>Every rollout, oldest first.</summary>
    Task<IReadOnlyList<Rollout>> ListAsync(CancellationToken cancellationToken);

    /// <summary>One rollout, or null.</summary>
    Task<Rollout?> GetAsync(string id, CancellationToken cancellationToken);

    /// <summary>Adds a new rollout; false when the id is taken.</summary>
    Task<bool> AddAsync(Rollout rollout, CancellationToken cancellationToken);

    /// <summary>
    /// Loads every rollout under one fleet-wide lock, runs <paramref name="change"/>
    /// on them and saves what changed, in one transaction. <paramref name="change"/> may run more than
    /// once (a PostgreSQL retry), so it must only touch the rollouts.
    /// </summary>
    Task<T> UpdateAsync<T>(Func<IReadOnlyList<Rollout>, T> change, CancellationToken cancellationToken);

    /// <summary>
    /// Loads the rollouts <paramref name="load"/> gives, under the same fleet-wide lock as
    /// <see cref="UpdateAsync{T}(Func{IReadOnlyList{Rollout}, T}, CancellationToken)"/> (so it sees every
    /// change made before it and none can be made while it runs), runs <paramref name="change"/> and saves
    /// what changed. For callers that keep the rollouts in memory (FleetPlacement) and need no history.
    /// </summary>
    Task<T> UpdateAsync<T>(Func<CancellationToken, Task<IReadOnlyList<Rollout>>> load, Func<IReadOnlyList<Rollout>, T> change, CancellationToken cancellationToken);

    /// <summary>Every rollout without its members and history (the rows of <c>rollouts</c> only), oldest first.</summary>
    Task<IReadOnlyList<Rollout>> HeadersAsync(CancellationToken cancellationToken);

    /// <summary>The members (with their rollout id) written after counter value <paramref name="afterVersion"/> (-1: every member).</summary>
    Task<IReadOnlyList<(string RolloutId, RolloutMember Member)>> MembersChangedAfterAsync(long afterVersion, CancellationToken cancellationToken);

    /// <summary>
    /// Admits a device into a rollout (under the fleet-wide lock); nothing when it is a member already
    /// (it keeps the stage that first let it in). Returns whether it was added.
    /// </summary>
    Task<bool> AdmitAsync(string rolloutId, RolloutMember member, CancellationToken cancellationToken);

    /// <summary>The labels of every device that has some.</summary>
    Task<IReadOnlyDictionary<string, DeviceLabels>> LabelsAsync(CancellationToken cancellationToken);

    /// <summary>The fleet placement counters, read before the devices they describe (see <see cref="DevicesPlacedAfterAsync"/>).</summary>
    Task<FleetVersion> FleetVersionAsync(CancellationToken cancellationToken);

    /// <summary>
    /// Id, project and chip (no version: placement does not use it) of every device whose placement
    /// facts changed after counter value <paramref name="afterVersion"/> (-1: every device).
    /// </summary>
    Task<IReadOnlyList<DeviceFacts>> DevicesPlacedAfterAsync(long afterVersion, CancellationToken cancellationToken);

    /// <summary>Replaces a device's labels.</summary>
    Task SetLabelsAsync(string deviceId, DeviceLabels labels, CancellationToken cancellationToken);
}
