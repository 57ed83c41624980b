namespace EspOta.Images;

/// <summary>The SHA-256 appended after the checksum byte when the extended header's <c>hash_appended</c> is 1.</summary>
/// <param name="Stored">The digest bytes in the file (fewer than 32 when the file is cut short).</param>
/// <param name="Calculated">SHA-256 of the file from byte 0 through the checksum byte.</param>
/// <param name="FileOffset">Where the digest starts (= the number of bytes it covers).</param>
public sealed record ImageDigest(ReadOnlyMemory<byte> Stored, ReadOnlyMemory<byte> Calculated, long FileOffset)
{
    /// <summary>Length of a SHA-256 digest.</summary>
    public const int Length = 32;

    /// <summary>Bytes hashed (header through checksum byte).</summary>
    public long CoveredLength => FileOffset;

    /// <summary>How many digest bytes the file holds.</summary>
    public int StoredLength => Stored.Length;

    /// <summary>Whether the stored digest is complete and equals the calculated one.</summary>
    public bool IsValid => Stored.Span.SequenceEqual(Calculated.Span);
}
