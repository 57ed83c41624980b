using System.Buffers.Binary;
using System.Text;

namespace EspOta.Partitions;

/// <summary>The 32-byte on-flash <c>esp_partition_info_t</c>.</summary>
internal static class PartitionEntry
{
    public const int Size = 32;
    public const ushort Magic = 0x50AA;
    public const ushort Md5Magic = 0xEBEB;
    public const int LabelLength = 16;

    // Layout, each field at the previous offset + previous length.
    public const int MagicOffset = 0;
    public const int TypeOffset = MagicOffset + 2;
    public const int SubtypeOffset = TypeOffset + 1;
    public const int AddressOffset = SubtypeOffset + 1;
    public const int SizeOffset = AddressOffset + 4;
    public const int LabelOffset = SizeOffset + 4;
    public const int FlagsOffset = LabelOffset + LabelLength;

    public const int Md5HashOffset = 16;

    public static void Write(Partition p, Span<byte> row)
    {
        BinaryPrimitives.WriteUInt16LittleEndian(row[MagicOffset..], Magic);
        row[TypeOffset] = (byte)p.Type;
        row[SubtypeOffset] = p.Subtype;
        BinaryPrimitives.WriteUInt32LittleEndian(row[AddressOffset..], p.Offset);
        BinaryPrimitives.WriteUInt32LittleEndian(row[SizeOffset..], p.Size);
        // gen_esp32part packs the name with struct '16s': NUL padded, cut to 16 bytes (even mid-character).
        var label = row.Slice(LabelOffset, LabelLength);
        label.Clear();
        byte[] name = Encoding.UTF8.GetBytes(p.Label);
        name.AsSpan(0, Math.Min(name.Length, LabelLength)).CopyTo(label);
        BinaryPrimitives.WriteUInt32LittleEndian(row[FlagsOffset..], (uint)p.Flags);
    }

    public static Partition Read(ReadOnlySpan<byte> row, long offset)
    {
        var labelBytes = row.Slice(LabelOffset, LabelLength);
        int end = labelBytes.IndexOf((byte)0);
        if (end < 0)
        {
            end = LabelLength;
        }

        string label;
        try
        {
            label = new UTF8Encoding(false, throwOnInvalidBytes: true).GetString(labelBytes[..end]);
        }
        catch (DecoderFallbackException)
        {
            throw new PartitionTableException($"partition name at offset 0x{offset + LabelOffset:x} is not valid UTF-8", offset + LabelOffset);
        }

        return new Partition(
            label,
            (PartitionType)row[TypeOffset],
            row[SubtypeOffset],
            BinaryPrimitives.ReadUInt32LittleEndian(row[AddressOffset..]),
            BinaryPrimitives.ReadUInt32LittleEndian(row[SizeOffset..]),
            (PartitionFlags)BinaryPrimitives.ReadUInt32LittleEndian(row[FlagsOffset..]));
    }
}
