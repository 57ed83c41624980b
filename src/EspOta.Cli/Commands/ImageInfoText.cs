using System.Buffers.Binary;
using System.Globalization;
using System.Text;
using EspOta.Images;

namespace EspOta.Cli.Commands;

/// <summary>
/// The readable report of <c>esp-ota image info</c>, laid out line for line like
/// <c>esptool.py image_info --version 2</c> (v4.8.1) so the two can be compared.
/// </summary>
public static class ImageInfoText
{
    /// <summary>Writes the report for <paramref name="image"/>, parsed for the chip named <paramref name="chipArgument"/>.</summary>
    /// <param name="w">Where to write.</param>
    /// <param name="image">The parsed image.</param>
    /// <param name="chipArgument">The chip as given (<c>esp32s3</c>), or esptool's chip name when detected (<c>ESP32-S3</c>).</param>
    /// <param name="detected">The chip was detected (<c>--chip auto</c>): esptool then says so.</param>
    public static void Write(TextWriter w, AppImage image, string chipArgument, bool detected = false)
    {
        ArgumentNullException.ThrowIfNull(w);
        ArgumentNullException.ThrowIfNull(image);
        string chipTitle = chipArgument.ToUpperInvariant();
        WritePreamble(w, image.FileLength, chipArgument, detected, image.LoadMessages);
        w.WriteLine();
        Title(w, $"{chipTitle} image header");
        w.WriteLine($"Image version: {image.FormatVersion}");
        w.WriteLine(image.Header.EntryPoint != 0 ? $"Entry point: {Hex(image.Header.EntryPoint, 8, zeroPad: false)}" : "Entry point not set");
        w.WriteLine($"Segments: {image.Segments.Count}");
        w.WriteLine(image.FlashSizeName is { } size ? $"Flash size: {size}" : $"WARNING: Invalid flash size ({Hex((uint)image.Header.FlashSizeFrequency & 0xF0, 2)})");
        w.WriteLine(image.FlashFrequencyName is { } freq ? $"Flash freq: {freq}" : $"WARNING: Invalid flash frequency ({Hex((uint)image.Header.FlashSizeFrequency & 0x0F, 2)})");
        w.WriteLine(image.FlashModeName is { } mode ? $"Flash mode: {mode.ToUpperInvariant()}" : $"WARNING: Invalid flash mode ({(byte)image.Header.FlashMode})");

        if (image.ExtendedHeader is { } ext)
        {
            w.WriteLine();
            Title(w, $"{chipTitle} extended image header");
            w.WriteLine($"WP pin: {Hex(ext.WpPin, 2)}{(ext.WpPin == ExtendedImageHeader.WpPinDisabled ? " (disabled)" : "")}");
            w.WriteLine($"Flash pins drive settings: clk_drv: {Hex((uint)ext.ClkDrive, 2)}, q_drv: {Hex((uint)ext.QDrive, 2)}, d_drv: {Hex((uint)ext.DDrive, 2)}, "
                + $"cs0_drv: {Hex((uint)ext.CsDrive, 2)}, hd_drv: {Hex((uint)ext.HdDrive, 2)}, wp_drv: {Hex((uint)ext.WpDrive, 2)}");
            w.WriteLine($"Chip ID: {ext.ChipId} ({Chip.EsptoolNameOfImageId(ext.ChipId) ?? "Unknown ID"})");
            w.WriteLine($"Minimal chip revision: v{ext.MinChipRevisionFull / 100}.{ext.MinChipRevisionFull % 100}, (legacy min_rev = {ext.MinChipRevision})");
            w.WriteLine($"Maximal chip revision: v{ext.MaxChipRevisionFull / 100}.{ext.MaxChipRevisionFull % 100}");
        }

        w.WriteLine();
        Title(w, "Segments information");
        w.WriteLine($"{"Segment",7}  {"Length",7}  {"Load addr",10}  {"File offs",10}  {"Memory types",-10}");
        w.WriteLine($"{new string('-', 7)}  {new string('-', 7)}  {new string('-', 10)}  {new string('-', 10)}  {new string('-', 12)}");
        ReadOnlyMemory<byte>? appDesc = null;
        ReadOnlyMemory<byte>? bootDesc = null;
        foreach (var s in image.Segments)
        {
            var types = image.MemoryTypesOf(s);
            var data = Padded(s);
            if (types.Contains("DROM"))
            {
                appDesc = data[..Math.Min(data.Length, AppDescription.Size)];
            }
            else if (types.Contains("DRAM") && data.Length >= BootloaderDescription.Size)
            {
                bootDesc = data[..BootloaderDescription.Size];
            }

            w.WriteLine($"{s.Index,7}  {Hex((uint)s.Length, 7, zeroPad: true)}  {Hex(s.LoadAddress, 10, zeroPad: true)}  {Hex((uint)s.FileOffset, 10, zeroPad: true)}  {string.Join(", ", types)}");
        }

        w.WriteLine();
        Title(w, $"{chipTitle} image footer");
        w.WriteLine($"Checksum: {Hex(image.StoredChecksum, 2)} ({(image.ChecksumValid ? "valid" : $"invalid - calculated {image.CalculatedChecksum:x2}")})");
        if (image.Digest is { } digest)
        {
            w.WriteLine($"Validation hash: {Convert.ToHexStringLower(digest.Calculated.Span)} ({(digest.IsValid ? "valid" : "invalid")})");
        }

        if (appDesc is { Length: > 0 } app)
        {
            var a = app.Span;
            if (a.Length >= AppDescription.Size && BinaryPrimitives.ReadUInt32LittleEndian(a) == AppDescription.MagicWord)
            {
                w.WriteLine();
                Title(w, "Application information");
                w.WriteLine($"Project name: {Utf8(a.Slice(48, 32))}");
                w.WriteLine($"App version: {Utf8(a.Slice(16, 32))}");
                w.WriteLine($"Compile time: {Utf8(a.Slice(96, 16))} {Utf8(a.Slice(80, 16))}");
                w.WriteLine($"ELF file SHA256: {Convert.ToHexStringLower(a.Slice(144, 32))}");
                w.WriteLine($"ESP-IDF: {Utf8(a.Slice(112, 32))}");
                w.WriteLine($"Secure version: {BinaryPrimitives.ReadUInt32LittleEndian(a[4..])}");
            }
        }
        else if (bootDesc is { } boot && boot.Span[0] == BootloaderDescription.MagicByte)
        {
            var b = boot.Span;
            w.WriteLine();
            Title(w, "Bootloader information");
            w.WriteLine($"Bootloader version: {BinaryPrimitives.ReadUInt32LittleEndian(b[4..])}");
            w.WriteLine($"ESP-IDF: {Utf8(b.Slice(8, 32))}");
            w.WriteLine($"Compile time: {Utf8(b.Slice(40, 24))}");
        }
    }

    /// <summary>
    /// What <c>image_info</c> prints before the report: the file size, the detected chip, then the
    /// messages <c>LoadFirmwareImage</c> prints while reading (also when it then gives up).
    /// </summary>
    public static void WritePreamble(TextWriter w, long fileLength, string chipArgument, bool detected, IReadOnlyList<string> loadMessages)
    {
        ArgumentNullException.ThrowIfNull(w);
        ArgumentNullException.ThrowIfNull(loadMessages);
        w.WriteLine($"File size: {fileLength} (bytes)");
        if (detected)
        {
            w.WriteLine($"Detected image type: {chipArgument.ToUpperInvariant()}");
        }

        foreach (string message in loadMessages)
        {
            w.WriteLine(message);
        }
    }

    /// <summary>
    /// The checks <c>image_info</c> makes itself before it loads the image (<c>esptool/cmds.py</c>), in
    /// its words: an empty file, a first byte that is neither 0xE9 nor the ESP8266 v2 0xEA. Null when they pass.
    /// </summary>
    public static string? FirstByteProblem(ReadOnlySpan<byte> file) =>
        file.IsEmpty ? "File is empty"
        : file[0] is ImageHeader.ImageMagic or ImageHeader.Esp8266V2Magic ? null
        : $"This is not a valid image (invalid magic number: 0x{file[0]:x})";

    private static ReadOnlyMemory<byte> Padded(ImageSegment s)
    {
        if (s.Length == s.Data.Length)
        {
            return s.Data;
        }

        var padded = new byte[s.Length];
        s.Data.CopyTo(padded);
        return padded;
    }

    private static void Title(TextWriter w, string title)
    {
        w.WriteLine(title);
        w.WriteLine(new string('=', title.Length));
    }

    // Python's '{:#0Nx}' / '{:#Nx}': the width counts the 0x prefix.
    private static string Hex(uint value, int width, bool zeroPad = true)
    {
        string digits = value.ToString("x", CultureInfo.InvariantCulture);
        int pad = Math.Max(0, width - 2 - digits.Length);
        return zeroPad ? "0x" + new string('0', pad) + digits : new string(' ', pad) + "0x" + digits;
    }

    // esptool prints the whole fixed-size field, NUL padding included.
    private static string Utf8(ReadOnlySpan<byte> field) => Encoding.UTF8.GetString(field);
}
