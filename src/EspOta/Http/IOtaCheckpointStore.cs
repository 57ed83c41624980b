namespace EspOta.Http;

/// <summary>Where <see cref="HttpOtaClient"/> keeps its <see cref="OtaCheckpoint"/>; it must survive reboots (the device's NVS).</summary>
public interface IOtaCheckpointStore
{
    /// <summary>The last checkpoint, or null.</summary>
    OtaCheckpoint? Load();

    /// <summary>Replaces the checkpoint.</summary>
    void Save(OtaCheckpoint checkpoint);

    /// <summary>Forgets the checkpoint.</summary>
    void Clear();
}
