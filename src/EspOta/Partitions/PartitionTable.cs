using System.Buffers.Binary;
using System.Security.Cryptography;
using EspOta.Flash;

namespace EspOta.Partitions;

/// <summary>
/// A partition table: the rows in table order, plus whether it carries the MD5 row. Reads and writes
/// the binary form that <c>gen_esp32part.py</c> writes and the bootloader reads; the CSV form and the
/// tool's checks are in the other parts of this class.
/// </summary>
public sealed partial class PartitionTable
{
    /// <summary>Default flash offset of the table (<c>CONFIG_PARTITION_TABLE_OFFSET</c>).</summary>
    public const uint DefaultOffset = 0x8000;

    /// <summary>Length of the binary table: <c>ESP_PARTITION_TABLE_MAX_LEN</c> (the tool's <c>MAX_PARTITION_LENGTH</c>).</summary>
    public const int MaxLength = 0xC00;

    /// <summary>The flash sector the table occupies (the tool's <c>PARTITION_TABLE_SIZE</c>); also the alignment of non-app partitions.</summary>
    public const int SectorSize = 0x1000;

    /// <summary>Offset alignment of app partitions (and their size alignment under Secure Boot v1).</summary>
    public const int AppAlignment = 0x10000;

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

    /// <summary>
    /// Most rows that fit: the tool refuses a table whose rows (plus the MD5 row) reach
    /// <see cref="MaxLength"/>, so 94 with the MD5 row and 95 without.
    /// </summary>
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

    /// <summary>
    /// Writes the binary table exactly as <c>gen_esp32part.py</c>: rows, the MD5 row if enabled, 0xFF up
    /// to <see cref="MaxLength"/>. Labels longer than 16 bytes are cut to 16, as the tool's
    /// <c>struct.pack('16s')</c> does.
    /// </summary>
    /// <exception cref="PartitionTableException">the rows do not leave room for the end marker.</exception>
    public byte[] ToBinary()
    {
        int length = (Partitions.Count + (HasMd5 ? 1 : 0)) * EntrySize;
        if (length >= MaxLength)
        {
            throw new PartitionTableException($"Binary partition table length ({length}) longer than max");
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
    /// Reads a binary table with the default options: 32-byte rows up to the first all-0xFF row; an
    /// <c>EB EB</c> row is the MD5 row and must match. Throws <see cref="PartitionTableException"/> with
    /// the offset of a bad row. Flag bits other than encrypted/readonly are kept (see the overload that
    /// reports warnings).
    /// </summary>
    public static PartitionTable FromBinary(ReadOnlySpan<byte> data) => FromBinary(data, null, null);

    /// <summary>
    /// Reads a binary table like <c>gen_esp32part.py</c>'s <c>from_binary</c>: 32-byte rows until the
    /// first all-0xFF row (which must exist); with MD5 enabled an <c>EB EB</c> row must carry the MD5 of
    /// every entry row before it; unknown flag bits add a warning. No validation (see <see cref="Validate"/>).
    /// </summary>
    /// <param name="data">The table bytes (any length; usually 0xC00).</param>
    /// <param name="options">Only <see cref="PartitionTableOptions.DisableMd5"/> matters here.</param>
    /// <param name="warnings">Receives the tool's WARNING lines, if not null.</param>
    public static PartitionTable FromBinary(ReadOnlySpan<byte> data, PartitionTableOptions? options, ICollection<string>? warnings) =>
        ReadBinary(data, options ?? PartitionTableOptions.Default, ToolLog.Silent(warnings));

    /// <summary>Reads the binary table from flash at <paramref name="offset"/>.</summary>
    public static PartitionTable ReadFromFlash(IFlash flash, long offset = DefaultOffset)
    {
        ArgumentNullException.ThrowIfNull(flash);
        var buffer = new byte[MaxLength];
        flash.Read(offset, buffer);
        return FromBinary(buffer);
    }

    internal static PartitionTable ReadBinary(ReadOnlySpan<byte> data, PartitionTableOptions options, ToolLog log)
    {
        var rows = new List<Partition>();
        bool sawMd5 = false;
        using var md5 = IncrementalHash.CreateHash(HashAlgorithmName.MD5);
        Span<byte> digest = stackalloc byte[16];
        for (int at = 0; at < data.Length; at += EntrySize)
        {
            if (data.Length - at < EntrySize)
            {
                throw new PartitionTableException("Partition table length must be a multiple of 32 bytes", at);
            }

            var row = data.Slice(at, EntrySize);
            if (!row.ContainsAnyExcept((byte)0xFF))
            {
                return new PartitionTable(rows, sawMd5);
            }

            if (!options.DisableMd5 && BinaryPrimitives.ReadUInt16LittleEndian(row) == PartitionEntry.Md5Magic)
            {
                // Only the two magic bytes are checked; bytes 2..15 of the MD5 row may hold anything.
                md5.GetCurrentHash(digest);
                var stored = row[PartitionEntry.Md5HashOffset..];
                if (!stored.SequenceEqual(digest))
                {
                    throw new PartitionTableException(
                        $"MD5 checksums don't match! (computed: 0x{Convert.ToHexStringLower(digest)}, parsed: 0xb'{Convert.ToHexStringLower(stored)}')",
                        at);
                }

                sawMd5 = true;
                continue;
            }

            md5.AppendData(row);

            // The tool decodes the name before it looks at the magic.
            var partition = PartitionEntry.Read(row, at);
            if (BinaryPrimitives.ReadUInt16LittleEndian(row) != PartitionEntry.Magic)
            {
                throw new PartitionTableException($"Invalid magic bytes ({PythonText.BytesRepr(row[..2])}) for partition definition", at);
            }

            uint unknown = (uint)partition.Flags & ~(uint)(PartitionFlags.Encrypted | PartitionFlags.ReadOnly);
            if (unknown != 0)
            {
                log.Warn($"WARNING: Partition definition had unknown flag(s) 0x{unknown:x8}. Newer binary format?");
            }

            rows.Add(partition);
        }

        throw new PartitionTableException("Partition table is missing an end-of-table marker", data.Length);
    }
}
