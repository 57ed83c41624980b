namespace EspOta.Cli.Commands;

/// <summary>Replaces a file atomically: a temporary file in the same folder, flushed to disk, then renamed over the target.</summary>
internal static class AtomicFileWriter
{
    public static void Write(string path, ReadOnlySpan<byte> bytes, bool mustNotExist = false)
    {
        var full = Path.GetFullPath(path);
        if (mustNotExist && File.Exists(full))
        {
            throw new IOException($"ERROR: Key file {path} already exists");
        }

        var folder = Path.GetDirectoryName(full)!;
        Directory.CreateDirectory(folder);
        var temp = Path.Combine(folder, $".{Path.GetFileName(full)}.{Environment.ProcessId}.{Guid.NewGuid():N}.tmp");
        try
        {
            using (var stream = new FileStream(temp, FileMode.CreateNew, FileAccess.Write, FileShare.None))
            {
                stream.Write(bytes);
                stream.Flush(flushToDisk: true);
            }

            File.Move(temp, full, overwrite: !mustNotExist);
        }
        finally
        {
            if (File.Exists(temp))
            {
                File.Delete(temp);
            }
        }
    }

    public static void WriteText(string path, string text, bool mustNotExist = false) =>
        Write(path, System.Text.Encoding.ASCII.GetBytes(text), mustNotExist);
}
