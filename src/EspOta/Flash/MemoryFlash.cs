namespace EspOta.Flash;

/// <summary>A NOR flash chip held in memory.</summary>
public sealed class MemoryFlash : IFlash
{
    /// <summary>The erase sector of every ESP32 flash chip.</summary>
    public const int DefaultSectorSize = 0x1000;

    private readonly byte[] _data;

    /// <summary>Creates an erased (all 0xFF) chip.</summary>
    /// <param name="size">Size in bytes; a whole number of sectors.</param>
    /// <param name="sectorSize">Erase granularity.</param>
    /// <param name="strict">Throw <see cref="FlashProgramException"/> when a write would set a bit.</param>
    public MemoryFlash(long size, int sectorSize = DefaultSectorSize, bool strict = true)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(sectorSize);
        if (size <= 0 || size % sectorSize != 0 || size > Array.MaxLength)
        {
            throw new ArgumentOutOfRangeException(nameof(size), $"flash size 0x{size:x} is not a positive multiple of 0x{sectorSize:x}");
        }

        _data = new byte[size];
        _data.AsSpan().Fill(0xFF);
        SectorSize = sectorSize;
        Strict = strict;
        Statistics = new FlashStatistics(size / sectorSize);
    }

    /// <summary>Creates a chip holding a copy of <paramref name="image"/>, padded with 0xFF to <paramref name="size"/>.</summary>
    public static MemoryFlash FromImage(ReadOnlySpan<byte> image, long? size = null, bool strict = true)
    {
        long total = size ?? RoundUp(Math.Max(image.Length, DefaultSectorSize), DefaultSectorSize);
        if (image.Length > total)
        {
            throw new ArgumentException($"image of 0x{image.Length:x} bytes does not fit a 0x{total:x}-byte flash", nameof(image));
        }

        var flash = new MemoryFlash(total, DefaultSectorSize, strict);
        image.CopyTo(flash._data);
        return flash;
    }

    /// <inheritdoc />
    public long Size => _data.Length;

    /// <inheritdoc />
    public int SectorSize { get; }

    /// <summary>Whether a write that sets a bit throws (otherwise it silently ANDs, like real NOR).</summary>
    public bool Strict { get; }

    /// <summary>What this chip has been asked to do.</summary>
    public FlashStatistics Statistics { get; }

    /// <summary>The whole chip contents, read-only and without counting as a read.</summary>
    public ReadOnlySpan<byte> Contents => _data;

    /// <inheritdoc />
    public void Read(long address, Span<byte> destination)
    {
        FlashBounds.CheckRange(this, address, destination.Length);
        _data.AsSpan((int)address, destination.Length).CopyTo(destination);
        Statistics.OnRead(destination.Length);
    }

    /// <inheritdoc />
    public void Write(long address, ReadOnlySpan<byte> data)
    {
        FlashBounds.CheckRange(this, address, data.Length);
        NorProgram.Apply(_data.AsSpan((int)address, data.Length), data, address, Strict);
        Statistics.OnWrite(data.Length);
    }

    /// <inheritdoc />
    public void Erase(long address, long length)
    {
        FlashBounds.CheckErase(this, address, length);
        _data.AsSpan((int)address, (int)length).Fill(0xFF);
        Statistics.OnErase(address / SectorSize, length / SectorSize);
    }

    /// <summary>A new chip with the same contents and settings (fresh statistics).</summary>
    public MemoryFlash Clone()
    {
        var copy = new MemoryFlash(Size, SectorSize, Strict);
        _data.CopyTo(copy._data, 0);
        return copy;
    }

    /// <summary>Overwrites this chip's contents with <paramref name="other"/>'s (same size), without touching statistics.</summary>
    public void RestoreFrom(MemoryFlash other)
    {
        ArgumentNullException.ThrowIfNull(other);
        if (other.Size != Size)
        {
            throw new ArgumentException($"cannot restore a 0x{Size:x}-byte flash from a 0x{other.Size:x}-byte one", nameof(other));
        }

        other._data.CopyTo(_data, 0);
    }

    private static long RoundUp(long value, long multiple) => (value + multiple - 1) / multiple * multiple;
}
