using System.Collections.Concurrent;
using System.Text.Json;

namespace EspOta.Server.Delta;

/// <summary>
/// Patches as files beside the images: <c>patches/&lt;patch sha256&gt;.bin</c> and its metadata
/// <c>.json</c>, each written atomically (temp file in the folder, flush, rename; the metadata last, so a
/// listed patch is always complete). Kept in files, apart from the firmware database, so it does not
/// depend on the storage backend.
/// </summary>
public sealed class DeltaPatchStore
{
    private readonly ConcurrentDictionary<string, DeltaPatchRecord> _byPatch = new(StringComparer.Ordinal);

    /// <summary>Opens (and indexes) the folder.</summary>
    public DeltaPatchStore(string directory)
    {
        Directory = directory;
        System.IO.Directory.CreateDirectory(directory);
        foreach (var file in System.IO.Directory.EnumerateFiles(directory, "*.json"))
        {
            try
            {
                var record = JsonSerializer.Deserialize(File.ReadAllBytes(file), DeltaPatchRecordJsonContext.Default.DeltaPatchRecord);
                if (record is not null && File.Exists(PathOf(record.PatchSha256)))
                {
                    _byPatch[record.PatchSha256] = record;
                }
            }
            catch (JsonException)
            {
                // A damaged metadata file: the patch is made again.
            }
        }
    }

    /// <summary>The folder.</summary>
    public string Directory { get; }

    /// <summary>The patch file.</summary>
    public string PathOf(string patchSha256) => Path.Combine(Directory, patchSha256 + ".bin");

    /// <summary>A patch by its own SHA-256.</summary>
    public DeltaPatchRecord? Get(string patchSha256) => _byPatch.TryGetValue(patchSha256, out var r) ? r : null;

    /// <summary>The patch from the base (file SHA-256) to the target, if made.</summary>
    public DeltaPatchRecord? Find(string baseSha256, string targetSha256) =>
        _byPatch.Values.FirstOrDefault(r => r.BaseSha256 == baseSha256 && r.TargetSha256 == targetSha256);

    /// <summary>The patch from a running image (by its appended SHA-256) to the target, if made.</summary>
    public DeltaPatchRecord? FindByRunning(string baseValidationSha256, string targetSha256) =>
        _byPatch.Values.FirstOrDefault(r => r.BaseValidationSha256 == baseValidationSha256 && r.TargetSha256 == targetSha256);

    /// <summary>Every patch, optionally only those to or from one image.</summary>
    public IReadOnlyList<DeltaPatchRecord> List(string? targetSha256 = null, string? baseSha256 = null) =>
        _byPatch.Values
            .Where(r => (targetSha256 is null || r.TargetSha256 == targetSha256) && (baseSha256 is null || r.BaseSha256 == baseSha256))
            .OrderBy(r => r.CreatedAt).ThenBy(r => r.PatchSha256, StringComparer.Ordinal)
            .ToList();

    /// <summary>Stores a patch (bytes first, then metadata).</summary>
    public void Save(DeltaPatchRecord record, ReadOnlySpan<byte> patch)
    {
        WriteAtomically(PathOf(record.PatchSha256), patch);
        WriteAtomically(Path.Combine(Directory, record.PatchSha256 + ".json"), JsonSerializer.SerializeToUtf8Bytes(record, DeltaPatchRecordJsonContext.Default.DeltaPatchRecord));
        _byPatch[record.PatchSha256] = record;
    }

    private static void WriteAtomically(string path, ReadOnlySpan<byte> bytes)
    {
        string temp = $"{path}.{Guid.NewGuid():n}.tmp";
        using (var stream = new FileStream(temp, FileMode.CreateNew, FileAccess.Write, FileShare.None))
        {
            stream.Write(bytes);
            stream.Flush(flushToDisk: true);
        }

        File.Move(temp, path, overwrite: true);
    }
}
