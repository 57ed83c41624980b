namespace EspOta.Partitions;

/// <summary>
/// A row while it is being read and checked (the tool's <c>PartitionDefinition</c>): numbers are
/// unbounded until the binary is packed, so that checks see the values the tool sees.
/// </summary>
internal sealed class PartitionRow
{
    public string Name { get; set; } = "";

    public long Type { get; set; }

    public long Subtype { get; set; }

    public long? Offset { get; set; }

    public long Size { get; set; }

    public bool Encrypted { get; set; }

    public bool ReadOnly { get; set; }

    /// <summary>Flag bits other than encrypted/readonly, kept so a binary round-trips.</summary>
    public uint OtherFlags { get; set; }

    /// <summary>1-based CSV line, or 0.</summary>
    public int Line { get; set; }

    /// <summary>Offset of the row in a binary table, or -1.</summary>
    public long BinaryOffset { get; set; } = -1;

    public long OffsetValue => Offset ?? throw new InvalidOperationException($"partition '{Name}' has no offset yet");

    public static PartitionRow From(Partition p, long binaryOffset) => new()
    {
        Name = p.Label,
        Type = (long)p.Type,
        Subtype = p.Subtype,
        Offset = p.Offset,
        Size = p.Size,
        Encrypted = p.IsEncrypted,
        ReadOnly = p.IsReadOnly,
        OtherFlags = (uint)p.Flags & ~(uint)(PartitionFlags.Encrypted | PartitionFlags.ReadOnly),
        BinaryOffset = binaryOffset,
    };

    /// <summary>The tool's <c>__eq__</c>: name, type, subtype, offset and size (flags are ignored).</summary>
    public bool SameAs(PartitionRow other) =>
        Name == other.Name && Type == other.Type && Subtype == other.Subtype && Offset == other.Offset && Size == other.Size;

    /// <summary>Packs the row (the tool's <c>struct.pack</c>, which refuses values that do not fit).</summary>
    public Partition ToPartition()
    {
        string? bad = Type is < 0 or > 0xFF ? $"type {Type}"
            : Subtype is < 0 or > 0xFF ? $"subtype {Subtype}"
            : Offset is not long o || o < 0 || o > uint.MaxValue ? $"offset {Offset}"
            : Size is < 0 or > uint.MaxValue ? $"size {Size}"
            : null;
        if (bad is not null)
        {
            throw new PartitionTableException(
                $"Partition {Name}: {bad} does not fit its field in the binary entry (type and subtype 0..255, offset and size 0..0xffffffff)",
                BinaryOffset >= 0 ? BinaryOffset : null,
                Line > 0 ? Line : null);
        }

        var flags = (PartitionFlags)OtherFlags;
        if (Encrypted)
        {
            flags |= PartitionFlags.Encrypted;
        }

        if (ReadOnly)
        {
            flags |= PartitionFlags.ReadOnly;
        }

        return new Partition(Name, (PartitionType)Type, (byte)Subtype, (uint)OffsetValue, (uint)Size, flags);
    }
}
