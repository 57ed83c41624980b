using System.Buffers.Binary;
using System.Text;

namespace EspOta.Images;

/// <summary>
/// The application description <c>esp_app_desc_t</c> (256 bytes) that ESP-IDF places at the start
/// of the first segment's data (file offset 0x20 of an app image).
/// </summary>
public sealed record AppDescription
{
    /// <summary>Size of the structure on flash.</summary>
    public const int Size = 256;

    /// <summary><c>ESP_APP_DESC_MAGIC_WORD</c>.</summary>
    public const uint MagicWord = 0xABCD5432;

    /// <summary>File offset of the description inside an app image (8-byte header + 16-byte extended header + 8-byte segment header).</summary>
    public const int ImageOffset = 0x20;

    // Layout of esp_app_desc_t (esp_app_desc.h), each field at the previous offset + previous length.
    internal const int MagicOffset = 0;
    internal const int SecureVersionOffset = MagicOffset + 4;
    internal const int Reserved1Offset = SecureVersionOffset + 4;
    internal const int VersionOffset = Reserved1Offset + 8;
    internal const int VersionLength = 32;
    internal const int ProjectNameOffset = VersionOffset + VersionLength;
    internal const int ProjectNameLength = 32;
    internal const int TimeOffset = ProjectNameOffset + ProjectNameLength;
    internal const int TimeLength = 16;
    internal const int DateOffset = TimeOffset + TimeLength;
    internal const int DateLength = 16;
    internal const int IdfVersionOffset = DateOffset + DateLength;
    internal const int IdfVersionLength = 32;
    internal const int ElfSha256Offset = IdfVersionOffset + IdfVersionLength;
    internal const int ElfSha256Length = 32;
    internal const int MinEfuseBlockRevisionOffset = ElfSha256Offset + ElfSha256Length;
    internal const int MaxEfuseBlockRevisionOffset = MinEfuseBlockRevisionOffset + 2;
    internal const int MmuPageSizeOffset = MaxEfuseBlockRevisionOffset + 2;

    /// <summary>The magic word as stored (<see cref="MagicWord"/> when the description is present).</summary>
    public uint Magic { get; init; } = MagicWord;

    /// <summary>Anti-rollback version (<c>secure_version</c>).</summary>
    public uint SecureVersion { get; init; }

    /// <summary>Application version string.</summary>
    public string Version { get; init; } = "";

    /// <summary>Project name.</summary>
    public string ProjectName { get; init; } = "";

    /// <summary>Compile time string.</summary>
    public string Time { get; init; } = "";

    /// <summary>Compile date string.</summary>
    public string Date { get; init; } = "";

    /// <summary>ESP-IDF version string.</summary>
    public string IdfVersion { get; init; } = "";

    /// <summary>SHA-256 of the app's ELF file (32 bytes).</summary>
    public ReadOnlyMemory<byte> AppElfSha256 { get; init; } = new byte[ElfSha256Length];

    /// <summary>Minimal eFuse block revision, major*100+minor.</summary>
    public ushort MinEfuseBlockRevisionFull { get; init; }

    /// <summary>Maximal eFuse block revision, major*100+minor.</summary>
    public ushort MaxEfuseBlockRevisionFull { get; init; }

    /// <summary>log2 of the MMU page size as stored (0 = not recorded).</summary>
    public byte MmuPageSizeLog2 { get; init; }

    /// <summary>The MMU page size in bytes, or null when not recorded.</summary>
    public int? MmuPageSize => MmuPageSizeLog2 == 0 ? null : 1 << MmuPageSizeLog2;

    /// <summary>The 256 bytes as read (reserved bytes included), so that writing reproduces them; null for a built description.</summary>
    public ReadOnlyMemory<byte>? Raw { get; init; }

    /// <summary>Whether <see cref="Magic"/> is <see cref="MagicWord"/>.</summary>
    public bool HasValidMagic => Magic == MagicWord;

    /// <summary>True when <paramref name="data"/> starts with the description magic word.</summary>
    public static bool HasMagic(ReadOnlySpan<byte> data) =>
        data.Length >= 4 && BinaryPrimitives.ReadUInt32LittleEndian(data) == MagicWord;

    /// <summary>Decodes the 256-byte structure at the start of <paramref name="data"/> (whatever the magic).</summary>
    /// <exception cref="ArgumentException"><paramref name="data"/> is shorter than <see cref="Size"/>.</exception>
    public static AppDescription Read(ReadOnlySpan<byte> data)
    {
        if (data.Length < Size)
        {
            throw new ArgumentException($"esp_app_desc_t needs {Size} bytes, got {data.Length}", nameof(data));
        }

        return new AppDescription
        {
            Magic = BinaryPrimitives.ReadUInt32LittleEndian(data[MagicOffset..]),
            SecureVersion = BinaryPrimitives.ReadUInt32LittleEndian(data[SecureVersionOffset..]),
            Version = ReadString(data.Slice(VersionOffset, VersionLength)),
            ProjectName = ReadString(data.Slice(ProjectNameOffset, ProjectNameLength)),
            Time = ReadString(data.Slice(TimeOffset, TimeLength)),
            Date = ReadString(data.Slice(DateOffset, DateLength)),
            IdfVersion = ReadString(data.Slice(IdfVersionOffset, IdfVersionLength)),
            AppElfSha256 = data.Slice(ElfSha256Offset, ElfSha256Length).ToArray(),
            MinEfuseBlockRevisionFull = BinaryPrimitives.ReadUInt16LittleEndian(data[MinEfuseBlockRevisionOffset..]),
            MaxEfuseBlockRevisionFull = BinaryPrimitives.ReadUInt16LittleEndian(data[MaxEfuseBlockRevisionOffset..]),
            MmuPageSizeLog2 = data[MmuPageSizeOffset],
            Raw = data[..Size].ToArray(),
        };
    }

    /// <summary>Writes the 256-byte structure; reserved bytes come from <see cref="Raw"/> if present, else zero.</summary>
    public void WriteTo(Span<byte> destination)
    {
        if (destination.Length < Size)
        {
            throw new ArgumentException($"esp_app_desc_t needs {Size} bytes, got {destination.Length}", nameof(destination));
        }

        var d = destination[..Size];
        if (Raw is { } raw)
        {
            raw.Span.CopyTo(d);
        }
        else
        {
            d.Clear();
        }

        BinaryPrimitives.WriteUInt32LittleEndian(d[MagicOffset..], Magic);
        BinaryPrimitives.WriteUInt32LittleEndian(d[SecureVersionOffset..], SecureVersion);
        WriteString(Version, d.Slice(VersionOffset, VersionLength), nameof(Version));
        WriteString(ProjectName, d.Slice(ProjectNameOffset, ProjectNameLength), nameof(ProjectName));
        WriteString(Time, d.Slice(TimeOffset, TimeLength), nameof(Time));
        WriteString(Date, d.Slice(DateOffset, DateLength), nameof(Date));
        WriteString(IdfVersion, d.Slice(IdfVersionOffset, IdfVersionLength), nameof(IdfVersion));
        AppElfSha256.Span.CopyTo(d.Slice(ElfSha256Offset, ElfSha256Length));
        BinaryPrimitives.WriteUInt16LittleEndian(d[MinEfuseBlockRevisionOffset..], MinEfuseBlockRevisionFull);
        BinaryPrimitives.WriteUInt16LittleEndian(d[MaxEfuseBlockRevisionOffset..], MaxEfuseBlockRevisionFull);
        d[MmuPageSizeOffset] = MmuPageSizeLog2;
    }

    private static string ReadString(ReadOnlySpan<byte> field)
    {
        int end = field.IndexOf((byte)0);
        return Encoding.UTF8.GetString(end < 0 ? field : field[..end]);
    }

    private static void WriteString(string value, Span<byte> field, string name)
    {
        // A field the string fills exactly has no terminator, as in the C struct.
        field.Clear();
        if (Encoding.UTF8.GetByteCount(value) > field.Length)
        {
            throw new ArgumentException($"{name} '{value}' does not fit in {field.Length} bytes");
        }

        Encoding.UTF8.GetBytes(value, field);
    }
}
