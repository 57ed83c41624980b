namespace EspOta.Partitions;

/// <summary>The flags word of a partition entry. Unknown bits are representable and judged by validation.</summary>
[Flags]
public enum PartitionFlags : uint
{
    /// <summary>No flag.</summary>
    None = 0,
    /// <summary><c>encrypted</c> (bit 0).</summary>
    Encrypted = 1 << 0,
    /// <summary><c>readonly</c> (bit 1).</summary>
    ReadOnly = 1 << 1,
}
