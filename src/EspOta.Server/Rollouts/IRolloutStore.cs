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

    /// <summary>The labels of every device that has some.</summary>
    Task<IReadOnlyDictionary<string, DeviceLabels>> LabelsAsync(CancellationToken cancellationToken);

    /// <summary>Replaces a device's labels.</summary>
    Task SetLabelsAsync(string deviceId, DeviceLabels labels, CancellationToken cancellationToken);
}
