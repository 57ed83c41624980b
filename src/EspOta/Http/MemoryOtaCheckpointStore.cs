namespace EspOta.Http;

/// <summary>A checkpoint store in memory: it survives an <c>EspDevice.Reboot</c> as long as the object does.</summary>
public sealed class MemoryOtaCheckpointStore : IOtaCheckpointStore
{
    private OtaCheckpoint? _checkpoint;

    /// <inheritdoc />
    public OtaCheckpoint? Load() => Volatile.Read(ref _checkpoint);

    /// <inheritdoc />
    public void Save(OtaCheckpoint checkpoint) => Volatile.Write(ref _checkpoint, checkpoint);

    /// <inheritdoc />
    public void Clear() => Volatile.Write(ref _checkpoint, null);
}
