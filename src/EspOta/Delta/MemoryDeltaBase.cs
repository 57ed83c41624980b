namespace EspOta.Delta;

/// <summary>A base image held in memory (host tools, tests).</summary>
public sealed class MemoryDeltaBase(ReadOnlyMemory<byte> image) : IDeltaBase
{
    /// <inheritdoc/>
    public long Length => image.Length;

    /// <inheritdoc/>
    public void Read(long offset, Span<byte> destination) => image.Span.Slice(checked((int)offset), destination.Length).CopyTo(destination);
}
