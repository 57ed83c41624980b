using EspOta.Flash;
using EspOta.Partitions;

namespace EspOta.Server.Tests.Delta;

/// <summary>Counts every write and erase that reaches into one partition (the base of a patch must see none).</summary>
internal sealed class PartitionTouchCounter(IFlash inner, Partition partition) : IFlash
{
    private long _touches;

    public long Touches => Interlocked.Read(ref _touches);

    public long Size => inner.Size;

    public int SectorSize => inner.SectorSize;

    public void Read(long address, Span<byte> destination) => inner.Read(address, destination);

    public void Write(long address, ReadOnlySpan<byte> data)
    {
        Count(address, data.Length);
        inner.Write(address, data);
    }

    public void Erase(long address, long length)
    {
        Count(address, length);
        inner.Erase(address, length);
    }

    private void Count(long address, long length)
    {
        if (address < partition.End && address + length > partition.Offset)
        {
            Interlocked.Increment(ref _touches);
        }
    }
}
