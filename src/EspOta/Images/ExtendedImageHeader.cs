using System.Buffers.Binary;

namespace EspOta.Images;

/// <summary>
/// The 16-byte extended header that follows the common header on every chip but the ESP8266 (the
/// second part of <c>esp_image_header_t</c>, <c>esp_app_format.h</c>).
/// </summary>
/// <param name="WpPin">WP pin (0xEE = disabled).</param>
/// <param name="SpiPinDrive">Three bytes of drive-strength nibbles: clk/q, d/cs, hd/wp (low nibble first).</param>
/// <param name="ChipId">Image chip id (<c>esp_chip_id_t</c>).</param>
/// <param name="MinChipRevision">Legacy one-byte minimum revision.</param>
/// <param name="MinChipRevisionFull">Minimum revision, major*100+minor.</param>
/// <param name="MaxChipRevisionFull">Maximum revision, major*100+minor (0 or 0xFFFF = not set).</param>
/// <param name="Reserved">The four reserved bytes, as a little-endian word so they round-trip.</param>
/// <param name="HashAppendedByte">Byte 15 as stored: 1 when a SHA-256 follows the checksum.</param>
public readonly record struct ExtendedImageHeader(
    byte WpPin, uint SpiPinDrive, ushort ChipId, byte MinChipRevision, ushort MinChipRevisionFull, ushort MaxChipRevisionFull,
    uint Reserved, byte HashAppendedByte)
{
    /// <summary>Size on flash.</summary>
    public const int Size = 16;

    /// <summary>esptool's <c>WP_PIN_DISABLED</c>.</summary>
    public const byte WpPinDisabled = 0xEE;

    internal const int WpPinOffset = 0;
    internal const int SpiPinDriveOffset = WpPinOffset + 1;
    internal const int SpiPinDriveLength = 3;
    internal const int ChipIdOffset = SpiPinDriveOffset + SpiPinDriveLength;
    internal const int MinChipRevisionOffset = ChipIdOffset + 2;
    internal const int MinChipRevisionFullOffset = MinChipRevisionOffset + 1;
    internal const int MaxChipRevisionFullOffset = MinChipRevisionFullOffset + 2;
    internal const int ReservedOffset = MaxChipRevisionFullOffset + 2;
    internal const int HashAppendedOffset = ReservedOffset + 4;

    /// <summary>Whether a SHA-256 digest is appended (ESP-IDF treats any non-zero byte as yes).</summary>
    public bool HashAppended => HashAppendedByte != 0;

    /// <summary>Drive strength of CLK.</summary>
    public int ClkDrive => (int)(SpiPinDrive & 0xF);

    /// <summary>Drive strength of Q.</summary>
    public int QDrive => (int)((SpiPinDrive >> 4) & 0xF);

    /// <summary>Drive strength of D.</summary>
    public int DDrive => (int)((SpiPinDrive >> 8) & 0xF);

    /// <summary>Drive strength of CS0.</summary>
    public int CsDrive => (int)((SpiPinDrive >> 12) & 0xF);

    /// <summary>Drive strength of HD.</summary>
    public int HdDrive => (int)((SpiPinDrive >> 16) & 0xF);

    /// <summary>Drive strength of WP.</summary>
    public int WpDrive => (int)((SpiPinDrive >> 20) & 0xF);

    /// <summary>A header for <paramref name="chipId"/> as <c>elf2image</c> writes it by default.</summary>
    public static ExtendedImageHeader Create(ushort chipId, bool hashAppended = true, ushort minRevisionFull = 0, ushort maxRevisionFull = 0xFFFF) =>
        new(WpPinDisabled, 0, chipId, (byte)(minRevisionFull / 100), minRevisionFull, maxRevisionFull, 0, hashAppended ? (byte)1 : (byte)0);

    /// <summary>Decodes the first <see cref="Size"/> bytes.</summary>
    /// <exception cref="ArgumentException"><paramref name="data"/> is shorter than <see cref="Size"/>.</exception>
    public static ExtendedImageHeader Read(ReadOnlySpan<byte> data)
    {
        if (data.Length < Size)
        {
            throw new ArgumentException($"the extended header needs {Size} bytes, got {data.Length}", nameof(data));
        }

        uint drive = (uint)(data[SpiPinDriveOffset] | data[SpiPinDriveOffset + 1] << 8 | data[SpiPinDriveOffset + 2] << 16);
        return new ExtendedImageHeader(
            data[WpPinOffset], drive,
            BinaryPrimitives.ReadUInt16LittleEndian(data[ChipIdOffset..]),
            data[MinChipRevisionOffset],
            BinaryPrimitives.ReadUInt16LittleEndian(data[MinChipRevisionFullOffset..]),
            BinaryPrimitives.ReadUInt16LittleEndian(data[MaxChipRevisionFullOffset..]),
            BinaryPrimitives.ReadUInt32LittleEndian(data[ReservedOffset..]),
            data[HashAppendedOffset]);
    }

    /// <summary>Encodes into the first <see cref="Size"/> bytes of <paramref name="destination"/>.</summary>
    public void WriteTo(Span<byte> destination)
    {
        if (destination.Length < Size)
        {
            throw new ArgumentException($"the extended header needs {Size} bytes, got {destination.Length}", nameof(destination));
        }

        destination[WpPinOffset] = WpPin;
        destination[SpiPinDriveOffset] = (byte)SpiPinDrive;
        destination[SpiPinDriveOffset + 1] = (byte)(SpiPinDrive >> 8);
        destination[SpiPinDriveOffset + 2] = (byte)(SpiPinDrive >> 16);
        BinaryPrimitives.WriteUInt16LittleEndian(destination[ChipIdOffset..], ChipId);
        destination[MinChipRevisionOffset] = MinChipRevision;
        BinaryPrimitives.WriteUInt16LittleEndian(destination[MinChipRevisionFullOffset..], MinChipRevisionFull);
        BinaryPrimitives.WriteUInt16LittleEndian(destination[MaxChipRevisionFullOffset..], MaxChipRevisionFull);
        BinaryPrimitives.WriteUInt32LittleEndian(destination[ReservedOffset..], Reserved);
        destination[HashAppendedOffset] = HashAppendedByte;
    }
}
