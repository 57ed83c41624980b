namespace EspOta.Images;

/// <summary>The bytes are not an app image that can be parsed; <see cref="Offset"/> says where it went wrong.</summary>
public sealed class ImageFormatException : FormatException
{
    /// <summary>Creates the exception for a problem at file offset <paramref name="offset"/>.</summary>
    public ImageFormatException(string message, long offset)
        : base($"{message} (at file offset 0x{offset:x})")
    {
        Reason = message;
        Offset = offset;
    }

    /// <summary>The problem in esptool's words, without the offset.</summary>
    public string Reason { get; }

    /// <summary>File offset (from the start of the image) of the problem.</summary>
    public long Offset { get; }

    /// <summary>The warnings esptool printed while loading, before it gave up (see <see cref="AppImage.LoadMessages"/>).</summary>
    public IReadOnlyList<string> LoadMessages { get; init; } = [];
}
