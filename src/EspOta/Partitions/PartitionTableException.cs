namespace EspOta.Partitions;

/// <summary>
/// A partition table (binary or CSV) is malformed or fails validation. Says what and where: the
/// byte offset of a binary row, or the CSV line.
/// </summary>
public sealed class PartitionTableException : FormatException
{
    /// <summary>Creates the exception.</summary>
    /// <param name="message">What is wrong.</param>
    /// <param name="offset">Byte offset in the binary table, when the input was binary.</param>
    /// <param name="line">1-based CSV line, when the input was CSV.</param>
    public PartitionTableException(string message, long? offset = null, int? line = null)
        : base(message)
    {
        Offset = offset;
        Line = line;
    }

    /// <summary>Byte offset in the binary input, if known.</summary>
    public long? Offset { get; }

    /// <summary>1-based line of the CSV input, if known.</summary>
    public int? Line { get; }
}
