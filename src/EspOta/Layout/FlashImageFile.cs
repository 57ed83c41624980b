using EspOta.Flash;
using EspOta.Partitions;

namespace EspOta.Layout;

/// <summary>
/// Flash image files: load a padded (whole chip) or unpadded (esptool <c>merge_bin</c> without
/// <c>--fill-flash-size</c>) file as a chip, and save it back atomically.
/// </summary>
public static class FlashImageFile
{
    /// <summary>
    /// A whole flash image in memory. The chip is at least as large as the file and as the end of the
    /// last partition in the table at <paramref name="tableOffset"/>: merge_bin does not pad by default,
    /// and a real chip still has the erased space after the file's end.
    /// </summary>
    /// <exception cref="FileNotFoundException">No such file.</exception>
    public static MemoryFlash Load(string path, long tableOffset = PartitionTable.DefaultOffset)
    {
        ArgumentNullException.ThrowIfNull(path);
        if (!File.Exists(path))
        {
            throw new FileNotFoundException($"flash image {Path.GetFullPath(path)} does not exist", path);
        }

        var bytes = File.ReadAllBytes(path);
        long end = Math.Max(bytes.Length, MemoryFlash.DefaultSectorSize);
        if (tableOffset >= 0 && tableOffset + PartitionTable.MaxLength <= bytes.Length)
        {
            try
            {
                var table = PartitionTable.FromBinary(bytes.AsSpan((int)tableOffset, PartitionTable.MaxLength));
                end = Math.Max(end, FlashLayout.End(table));
            }
            catch (PartitionTableException)
            {
                // Not a valid table: the commands report that themselves when they read it from flash.
            }
        }

        return MemoryFlash.FromImage(bytes, Align.Up(end, MemoryFlash.DefaultSectorSize), strict: false);
    }

    /// <summary>
    /// Saves <paramref name="flash"/>: at least <paramref name="originalLength"/> bytes (a padded file
    /// stays padded), and up to the last sector holding anything but 0xFF, so that data written past the
    /// end of an unpadded image is kept. Atomic: a crash at any moment leaves the old or the new file.
    /// </summary>
    public static void Save(string path, MemoryFlash flash, long originalLength) => Save(path, flash, originalLength, null);

    /// <summary><see cref="Save(string, MemoryFlash, long)"/> with the steps of the write reported to <paramref name="faultPoint"/>.</summary>
    internal static void Save(string path, MemoryFlash flash, long originalLength, Action<string>? faultPoint)
    {
        ArgumentNullException.ThrowIfNull(flash);
        long used = flash.Contents.LastIndexOfAnyExcept((byte)0xFF) + 1;
        long length = Math.Min(flash.Size, Math.Max(originalLength, used == 0 ? 0 : Align.Up(used, MemoryFlash.DefaultSectorSize)));
        WriteAtomically(path, flash.Contents[..(int)length].ToArray(), faultPoint);
    }

    /// <summary>Writes <paramref name="bytes"/> to <paramref name="path"/> so that a crash leaves the old or the new content, never a torn or empty file.</summary>
    public static void WriteAtomically(string path, ReadOnlySpan<byte> bytes) => WriteAtomically(path, bytes.ToArray(), null);

    /// <summary>
    /// The atomic write: a temporary file in the same folder (so the rename stays on one file system),
    /// written, flushed to disk, then renamed over the target. <paramref name="faultPoint"/> lets tests
    /// fail at each step ("opened", "wrote:N", "flushed", "renamed"). Temporary files that a killed
    /// writer left beside the target are removed first; they were never read and never will be.
    /// </summary>
    internal static void WriteAtomically(string path, byte[] bytes, Action<string>? faultPoint)
    {
        ArgumentNullException.ThrowIfNull(path);
        string full = Path.GetFullPath(path);
        string folder = Path.GetDirectoryName(full)!;
        RemoveStaleTemporaries(folder, Path.GetFileName(full));
        string temp = Path.Combine(folder, $".{Path.GetFileName(full)}.{Environment.ProcessId}.{Guid.NewGuid():N}.tmp");
        try
        {
            using (var stream = new FileStream(temp, FileMode.CreateNew, FileAccess.Write, FileShare.None))
            {
                faultPoint?.Invoke("opened");
                const int chunk = 64 * 1024;
                for (int done = 0; done < bytes.Length; done += chunk)
                {
                    stream.Write(bytes, done, Math.Min(chunk, bytes.Length - done));
                    faultPoint?.Invoke($"wrote:{done}");
                }

                stream.Flush(flushToDisk: true);
                faultPoint?.Invoke("flushed");
            }

            File.Move(temp, full, overwrite: true);
        }
        catch
        {
            TryDelete(temp);
            throw;
        }

        faultPoint?.Invoke("renamed");
    }

    /// <summary>
    /// Deletes <c>.NAME.PID.GUID.tmp</c> files of <paramref name="name"/> whose writer process is gone
    /// (a kill between creating and renaming). Those of a live process may be another writer's
    /// work in progress and stay.
    /// </summary>
    private static void RemoveStaleTemporaries(string folder, string name)
    {
        string prefix = $".{name}.";
        IEnumerable<string> candidates;
        try
        {
            candidates = Directory.EnumerateFiles(folder, prefix + "*.tmp").ToList();
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return;
        }

        foreach (string candidate in candidates)
        {
            string[] parts = Path.GetFileName(candidate)[prefix.Length..].Split('.');
            if (parts.Length == 3 && int.TryParse(parts[0], out int pid) && pid != Environment.ProcessId && !IsRunning(pid))
            {
                TryDelete(candidate);
            }
        }
    }

    private static bool IsRunning(int pid)
    {
        try
        {
            using var process = System.Diagnostics.Process.GetProcessById(pid);
            return !process.HasExited;
        }
        catch (ArgumentException)
        {
            return false;
        }
        catch (InvalidOperationException)
        {
            return false;
        }
    }

    private static void TryDelete(string path)
    {
        try
        {
            File.Delete(path);
        }
        catch (IOException)
        {
            // A temporary file left behind is harmless: it is never read.
        }
    }
}
