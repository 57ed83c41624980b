using EspOta.Flash;
using EspOta.Partitions;

namespace EspOta.Server.Tests.Http;

/// <summary>
/// A pass-through flash that counts what reaches one partition: the bytes written into it, and every
/// write or erase that touches it (an instrument, not a stand-in: every call reaches the real flash).
/// </summary>
internal sealed class PartitionWriteCounter(IFlash inner, Partition partition) : IFlash
{
    private long _written;
    private long _touches;

    /// <summary>Bytes written inside the partition.</summary>
    public long BytesWritten => Interlocked.Read(ref _written);

    /// <summary>Writes and erases that reached into the partition (the base of a patch must see none).</summary>
    public long Touches => Interlocked.Read(ref _touches);

    public long Size => inner.Size;

    public int SectorSize => inner.SectorSize;

    public void Read(long address, Span<byte> destination) => inner.Read(address, destination);

    public void Write(long address, ReadOnlySpan<byte> data)
    {
        inner.Write(address, data);
        long overlap = Overlap(address, data.Length);
        if (overlap > 0)
        {
            Interlocked.Add(ref _written, overlap);
            Interlocked.Increment(ref _touches);
        }
    }

    public void Erase(long address, long length)
    {
        inner.Erase(address, length);
        if (Overlap(address, length) > 0)
        {
            Interlocked.Increment(ref _touches);
        }
    }

    private long Overlap(long address, long length) =>
        Math.Max(0, Math.Min(address + length, partition.End) - Math.Max(address, partition.Offset));
}
