using EspOta.Flash;
using EspOta.Partitions;

namespace EspOta.Server.Tests.Http;

/// <summary>A pass-through flash that counts the bytes written into one partition (an instrument, not a stand-in: every call reaches the real flash).</summary>
internal sealed class PartitionWriteCounter(IFlash inner, Partition partition) : IFlash
{
    private long _written;

    public long BytesWritten => Interlocked.Read(ref _written);

    public long Size => inner.Size;

    public int SectorSize => inner.SectorSize;

    public void Read(long address, Span<byte> destination) => inner.Read(address, destination);

    public void Write(long address, ReadOnlySpan<byte> data)
    {
        inner.Write(address, data);
        long start = Math.Max(address, partition.Offset);
        long end = Math.Min(address + data.Length, partition.End);
        if (end > start)
        {
            Interlocked.Add(ref _written, end - start);
        }
    }

    public void Erase(long address, long length) => inner.Erase(address, length);
}
