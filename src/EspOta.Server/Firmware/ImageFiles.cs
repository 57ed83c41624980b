using System.Collections.Concurrent;

namespace EspOta.Server.Firmware;

/// <summary>
/// Image bytes as <c>images/&lt;sha256&gt;.bin</c>: content-addressed, written once (rename into place),
/// never changed, so any static file server or CDN can serve the folder as it is.
/// </summary>
internal sealed class ImageFiles
{
    /// <summary>
    /// How long an open image is trusted to still be in place before the next download looks again:
    /// an upload that fails after the rename, or another server's reconcile on a shared folder, may
    /// remove a file, and downloads should stop within about this long.
    /// </summary>
    internal const long RecheckMilliseconds = 1000;

    private readonly ConcurrentDictionary<string, OpenImage> _open = new(StringComparer.Ordinal);

    public ImageFiles(string directory)
    {
        Directory = directory;
        System.IO.Directory.CreateDirectory(directory);
    }

    /// <summary>The <c>images</c> folder.</summary>
    public string Directory { get; }

    /// <summary>Where the image with this (lowercase hex) SHA-256 lives.</summary>
    public string PathOf(string sha256) => Path.Combine(Directory, sha256 + ".bin");

    /// <summary>The path relative to the data folder's <c>images</c> folder, as a URL path segment.</summary>
    public static string FileNameOf(string sha256) => sha256 + ".bin";

    /// <summary>
    /// The image with this (lowercase hex) SHA-256, held open, or null when there is no such file.
    /// A download costs no file-system call once its image is open (one existence check a second at
    /// most); a missing image is looked for again every time, so a new upload is served at once.
    /// </summary>
    public OpenImage? TryOpen(string sha256)
    {
        long now = Environment.TickCount64;
        if (_open.TryGetValue(sha256, out var image))
        {
            if (now - Volatile.Read(ref image.CheckedAt) < RecheckMilliseconds)
            {
                return image;
            }

            if (File.Exists(image.Path))
            {
                Volatile.Write(ref image.CheckedAt, now);
                return image;
            }

            // Gone: forget it. Responses already reading keep the handle alive (SafeHandle counts its
            // users); the finalizer closes it after the last, so none is cut off mid-body.
            _open.TryRemove(new KeyValuePair<string, OpenImage>(sha256, image));
            return null;
        }

        string path = PathOf(sha256);
        Microsoft.Win32.SafeHandles.SafeFileHandle handle;
        try
        {
            // FileShare.Delete: holding an image open must not stop anyone removing it.
            handle = File.OpenHandle(path, FileMode.Open, FileAccess.Read, FileShare.Read | FileShare.Delete);
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException)
        {
            return null;
        }

        var opened = new OpenImage(sha256, path, handle, RandomAccess.GetLength(handle), File.GetLastWriteTimeUtc(handle)) { CheckedAt = now };
        var winner = _open.GetOrAdd(sha256, opened);
        if (!ReferenceEquals(winner, opened))
        {
            handle.Dispose();
        }

        return winner;
    }
}
