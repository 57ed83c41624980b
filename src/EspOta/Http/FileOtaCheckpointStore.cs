using System.Text.Json;

namespace EspOta.Http;

/// <summary>A checkpoint store in a small JSON file beside a flash image (standing in for NVS).</summary>
public sealed class FileOtaCheckpointStore(string path) : IOtaCheckpointStore
{
    /// <summary>The file.</summary>
    public string Path { get; } = path;

    /// <inheritdoc />
    public OtaCheckpoint? Load()
    {
        if (!File.Exists(Path))
        {
            return null;
        }

        try
        {
            return JsonSerializer.Deserialize(File.ReadAllBytes(Path), OtaJsonContext.Default.OtaCheckpoint);
        }
        catch (JsonException)
        {
            // A torn write: no checkpoint, the download starts again.
            return null;
        }
    }

    /// <inheritdoc />
    public void Save(OtaCheckpoint checkpoint)
    {
        string temp = Path + ".tmp";
        using (var file = new FileStream(temp, FileMode.Create, FileAccess.Write, FileShare.None))
        {
            file.Write(JsonSerializer.SerializeToUtf8Bytes(checkpoint, OtaJsonContext.Default.OtaCheckpoint));
            // On disk before the rename: a power cut must leave the old checkpoint or the new one.
            file.Flush(flushToDisk: true);
        }

        File.Move(temp, Path, overwrite: true);
    }

    /// <inheritdoc />
    public void Clear() => File.Delete(Path);
}
