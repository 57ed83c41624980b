namespace EspOta.Server.Firmware;

/// <summary>
/// Image bytes as <c>images/&lt;sha256&gt;.bin</c>: content-addressed, written once (rename into place),
/// never changed, so any static file server or CDN can serve the folder as it is.
/// </summary>
internal sealed class ImageFiles
{
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
}
