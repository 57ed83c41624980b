using System.Buffers.Binary;
using System.Security.Cryptography;
using EspOta.Flash;

namespace EspOta.Partitions;

/// <summary>
/// A partition table: the rows in table order, plus whether it carries the MD5 row. Reads and writes
/// the binary form that <c>gen_esp32part.py</c> writes and the bootloader reads.
/// </summary>
public sealed partial class PartitionTable
{
    /// <summary>Default flash offset of the table (<c>CONFIG_PARTITION_TABLE_OFFSET</c>).</summary>
    public const uint DefaultOffset = 0x8000;

    /// <summary>Length of the binary table: <c>ESP_PARTITION_TABLE_MAX_LEN</c>.</summary>
    public const int MaxLength = 0xC00;

    /// <summary>Size of one binary row.</summary>
    public const int EntrySize = PartitionEntry.Size;

    /// <summary>Creates a table from rows in table order.</summary>
    public PartitionTable(IEnumerable<Partition> partitions, bool hasMd5 = true)
    {
        ArgumentNullException.ThrowIfNull(partitions);
        Partitions = partitions.ToArray();
        HasMd5 = hasMd5;
    }

    /// <summary>The rows, in table order (never sorted).</summary>
    public IReadOnlyList<Partition> Partitions { get; }

    /// <summary>Whether the binary form carries the MD5 row.</summary>
    public bool HasMd5 { get; }

    /// <summary>Most rows that fit in <see cref="MaxLength"/>, leaving room for the MD5 row and the end marker.</summary>
    public int MaxEntries => MaxLength / EntrySize - (HasMd5 ? 2 : 1);

    /// <summary>Rows matching the filter, in table order, like <c>esp_partition_find</c>.</summary>
    /// <param name="type">Type to match, or null for any.</param>
    /// <param name="subtype">Subtype to match, or null for any (<c>ESP_PARTITION_SUBTYPE_ANY</c>).</param>
    /// <param name="label">Label to match exactly, or null for any.</param>
    public IEnumerable<Partition> Find(PartitionType? type = null, byte? subtype = null, string? label = null) =>
        Partitions.Where(p => (type is null || p.Type == type) && (subtype is null || p.Subtype == subtype) && (label is null || p.Label == label));

    /// <summary>The first row matching the filter, or null (<c>esp_partition_find_first</c>).</summary>
    public Partition? FindFirst(PartitionType? type = null, byte? subtype = null, string? label = null) =>
        Find(type, subtype, label).FirstOrDefault();

    /// <summary>Writes the binary table: rows, the MD5 row if enabled, 0xFF up to <see cref="MaxLength"/>.</summary>
    public byte[] ToBinary()
    {
        if (Partitions.Count > MaxEntries)
        {
            throw new PartitionTableException($"the table has {Partitions.Count} partitions; at most {MaxEntries} fit in 0x{MaxLength:x} bytes");
        }

        var bytes = new byte[MaxLength];
        bytes.AsSpan().Fill(0xFF);
        for (int i = 0; i < Partitions.Count; i++)
        {
            PartitionEntry.Write(Partitions[i], bytes.AsSpan(i * EntrySize, EntrySize));
        }

        if (HasMd5)
        {
            var md5Row = bytes.AsSpan(Partitions.Count * EntrySize, EntrySize);
            BinaryPrimitives.WriteUInt16LittleEndian(md5Row, PartitionEntry.Md5Magic);
            MD5.HashData(bytes.AsSpan(0, Partitions.Count * EntrySize), md5Row[PartitionEntry.Md5HashOffset..]);
        }

        return bytes;
    }

    /// <summary>
    /// Reads a binary table: 32-byte rows up to the first all-0xFF row; an <c>EB EB</c> row is the MD5
    /// row and must match. Throws <see cref="PartitionTableException"/> with the offset of a bad row.
    /// </summary>
    public static PartitionTable FromBinary(ReadOnlySpan<byte> data)
    {
        var rows = new List<Partition>();
        bool md5 = false;
        Span<byte> computed = stackalloc byte[16];
        for (int at = 0; ; at += EntrySize)
        {
            if (at + EntrySize > data.Length)
            {
                throw new PartitionTableException(
                    data.Length % EntrySize != 0
                        ? $"partition table length {data.Length} is not a multiple of {EntrySize}"
                        : $"partition table has no end marker (an all-0xFF row) within {data.Length} bytes",
                    at);
            }

            var row = data.Slice(at, EntrySize);
            if (!row.ContainsAnyExcept((byte)0xFF))
            {
                break;
            }

            ushort magic = BinaryPrimitives.ReadUInt16LittleEndian(row);
            if (magic == PartitionEntry.Md5Magic)
            {
                MD5.HashData(data[..at], computed);
                var stored = row[PartitionEntry.Md5HashOffset..];
                if (!stored.SequenceEqual(computed))
                {
                    throw new PartitionTableException(
                        $"MD5 checksum mismatch at offset 0x{at:x}: stored {Convert.ToHexStringLower(stored)}, computed {Convert.ToHexStringLower(computed)}",
                        at);
                }

                md5 = true;
                continue;
            }

            if (magic != PartitionEntry.Magic)
            {
                throw new PartitionTableException($"invalid magic 0x{magic:x4} at offset 0x{at:x} (expected 0x{PartitionEntry.Magic:x4})", at);
            }

            rows.Add(PartitionEntry.Read(row, at));
        }

        return new PartitionTable(rows, md5);
    }

    /// <summary>Reads the binary table from flash at <paramref name="offset"/>.</summary>
    public static PartitionTable ReadFromFlash(IFlash flash, long offset = DefaultOffset)
    {
        ArgumentNullException.ThrowIfNull(flash);
        var buffer = new byte[MaxLength];
        flash.Read(offset, buffer);
        return FromBinary(buffer);
    }
}
