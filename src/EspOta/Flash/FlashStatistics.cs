namespace EspOta.Flash;

/// <summary>Counts what a flash has been asked to do: operations, bytes and erases per sector.</summary>
public sealed class FlashStatistics
{
    private readonly int[] _eraseCounts;

    /// <summary>Creates zeroed counters for a chip of <paramref name="sectorCount"/> sectors.</summary>
    public FlashStatistics(long sectorCount)
    {
        _eraseCounts = new int[sectorCount];
    }

    /// <summary>Read operations.</summary>
    public long Reads { get; private set; }

    /// <summary>Write (program) operations.</summary>
    public long Writes { get; private set; }

    /// <summary>Erase operations (one per call, whatever its length).</summary>
    public long Erases { get; private set; }

    /// <summary>Bytes read.</summary>
    public long BytesRead { get; private set; }

    /// <summary>Bytes programmed.</summary>
    public long BytesWritten { get; private set; }

    /// <summary>Sectors erased, summed over all erase calls.</summary>
    public long SectorsErased { get; private set; }

    /// <summary>How many times each sector has been erased (wear), indexed by sector number.</summary>
    public ReadOnlySpan<int> EraseCounts => _eraseCounts;

    /// <summary>The highest erase count of any sector.</summary>
    public int MaxEraseCount => _eraseCounts.Length == 0 ? 0 : _eraseCounts.Max();

    internal void OnRead(long length)
    {
        Reads++;
        BytesRead += length;
    }

    internal void OnWrite(long length)
    {
        Writes++;
        BytesWritten += length;
    }

    internal void OnErase(long firstSector, long sectorCount)
    {
        Erases++;
        SectorsErased += sectorCount;
        for (long s = firstSector; s < firstSector + sectorCount; s++)
        {
            _eraseCounts[s]++;
        }
    }

    /// <summary>Sets every counter back to zero.</summary>
    public void Reset()
    {
        Reads = Writes = Erases = BytesRead = BytesWritten = SectorsErased = 0;
        Array.Clear(_eraseCounts);
    }
}
