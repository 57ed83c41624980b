using Microsoft.Win32.SafeHandles;

namespace EspOta.Server.Firmware;

/// <summary>
/// An image file held open for downloads, with the facts every response repeats computed once: its
/// bytes never change (content-addressed, renamed into place once), so neither do these.
/// </summary>
internal sealed class OpenImage
{
    public OpenImage(string sha256, string path, SafeFileHandle handle, long length, DateTimeOffset lastModified)
    {
        Sha256 = sha256;
        Path = path;
        Handle = handle;
        Length = length;

        // HTTP dates have whole seconds; ASP.NET Core's file results round down the same way, so
        // If-Modified-Since comparisons agree whichever path answers.
        LastModified = WholeSeconds(lastModified);
        LastModifiedText = HttpDate(lastModified);
        ETag = $"\"{sha256}\"";
        LengthText = length.ToString(System.Globalization.CultureInfo.InvariantCulture);
    }

    /// <summary>An HTTP date (whole seconds, rounded down as ASP.NET Core's file results do).</summary>
    public static string HttpDate(DateTimeOffset time) => WholeSeconds(time).ToString("R", System.Globalization.CultureInfo.InvariantCulture);

    private static DateTimeOffset WholeSeconds(DateTimeOffset time) =>
        new(time.UtcTicks - (time.UtcTicks % TimeSpan.TicksPerSecond), TimeSpan.Zero);

    /// <summary>The image's SHA-256 (lowercase hex), also its file name.</summary>
    public string Sha256 { get; }

    /// <summary>The full path of the file.</summary>
    public string Path { get; }

    /// <summary>Read with <see cref="RandomAccess"/> (positional reads: safe from many requests at once).</summary>
    public SafeFileHandle Handle { get; }

    /// <summary>The file's length in bytes.</summary>
    public long Length { get; }

    /// <summary>The file's last write time, rounded down to whole seconds.</summary>
    public DateTimeOffset LastModified { get; }

    /// <summary><see cref="LastModified"/> as an HTTP date.</summary>
    public string LastModifiedText { get; }

    /// <summary>The strong entity tag: the quoted SHA-256.</summary>
    public string ETag { get; }

    /// <summary><see cref="Length"/> in decimal, for Content-Range.</summary>
    public string LengthText { get; }

    /// <summary>When the file was last seen in place (<see cref="Environment.TickCount64"/>).</summary>
    public long CheckedAt;
}
