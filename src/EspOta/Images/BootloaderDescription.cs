using System.Buffers.Binary;
using System.Text;

namespace EspOta.Images;

/// <summary>
/// The bootloader description <c>esp_bootloader_desc_t</c> (80 bytes, <c>esp_bootloader_desc.h</c>) at the
/// start of a bootloader image's first segment (file offset 0x20).
/// </summary>
public sealed record BootloaderDescription
{
    /// <summary>Size of the structure.</summary>
    public const int Size = 80;

    /// <summary><c>ESP_BOOTLOADER_DESC_MAGIC_BYTE</c>.</summary>
    public const byte MagicByte = 0x50;

    internal const int MagicOffset = 0;
    internal const int Reserved1Offset = MagicOffset + 1;
    internal const int SecureVersionOffset = Reserved1Offset + 2;
    internal const int VersionOffset = SecureVersionOffset + 1;
    internal const int IdfVersionOffset = VersionOffset + 4;
    internal const int IdfVersionLength = 32;
    internal const int DateTimeOffset = IdfVersionOffset + IdfVersionLength;
    internal const int DateTimeLength = 24;
    internal const int Reserved2Offset = DateTimeOffset + DateTimeLength;

    /// <summary>The magic byte as stored.</summary>
    public byte Magic { get; init; } = MagicByte;

    /// <summary>Bootloader anti-rollback version.</summary>
    public byte SecureVersion { get; init; }

    /// <summary>Bootloader version (<c>CONFIG_BOOTLOADER_PROJECT_VER</c>).</summary>
    public uint Version { get; init; }

    /// <summary>ESP-IDF version string.</summary>
    public string IdfVersion { get; init; } = "";

    /// <summary>Compile date and time string.</summary>
    public string DateTime { get; init; } = "";

    /// <summary>The 80 bytes as read.</summary>
    public ReadOnlyMemory<byte> Raw { get; init; }

    /// <summary>Whether <see cref="Magic"/> is <see cref="MagicByte"/>.</summary>
    public bool HasValidMagic => Magic == MagicByte;

    /// <summary>Decodes the first <see cref="Size"/> bytes of <paramref name="data"/> (whatever the magic).</summary>
    /// <exception cref="ArgumentException"><paramref name="data"/> is shorter than <see cref="Size"/>.</exception>
    public static BootloaderDescription Read(ReadOnlySpan<byte> data)
    {
        if (data.Length < Size)
        {
            throw new ArgumentException($"esp_bootloader_desc_t needs {Size} bytes, got {data.Length}", nameof(data));
        }

        return new BootloaderDescription
        {
            Magic = data[MagicOffset],
            SecureVersion = data[SecureVersionOffset],
            Version = BinaryPrimitives.ReadUInt32LittleEndian(data[VersionOffset..]),
            IdfVersion = ReadString(data.Slice(IdfVersionOffset, IdfVersionLength)),
            DateTime = ReadString(data.Slice(DateTimeOffset, DateTimeLength)),
            Raw = data[..Size].ToArray(),
        };
    }

    /// <summary>Writes the 80-byte structure; reserved bytes come from <see cref="Raw"/> when it holds them, else zero.</summary>
    public void WriteTo(Span<byte> destination)
    {
        if (destination.Length < Size)
        {
            throw new ArgumentException($"esp_bootloader_desc_t needs {Size} bytes, got {destination.Length}", nameof(destination));
        }

        var d = destination[..Size];
        if (Raw.Length == Size)
        {
            Raw.Span.CopyTo(d);
        }
        else
        {
            d.Clear();
        }

        d[MagicOffset] = Magic;
        d[SecureVersionOffset] = SecureVersion;
        BinaryPrimitives.WriteUInt32LittleEndian(d[VersionOffset..], Version);
        WriteString(IdfVersion, d.Slice(IdfVersionOffset, IdfVersionLength), nameof(IdfVersion));
        WriteString(DateTime, d.Slice(DateTimeOffset, DateTimeLength), nameof(DateTime));
    }

    private static void WriteString(string value, Span<byte> field, string name)
    {
        field.Clear();
        if (Encoding.UTF8.GetByteCount(value) > field.Length)
        {
            throw new ArgumentException($"{name} '{value}' does not fit in {field.Length} bytes");
        }

        Encoding.UTF8.GetBytes(value, field);
    }

    private static string ReadString(ReadOnlySpan<byte> field)
    {
        int end = field.IndexOf((byte)0);
        return Encoding.UTF8.GetString(end < 0 ? field : field[..end]);
    }
}
