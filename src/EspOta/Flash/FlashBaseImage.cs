namespace EspOta.Flash;

/// <summary>
/// An immutable whole-chip image that many <see cref="CopyOnWriteFlash"/> chips start from: a
/// simulated fleet holds its factory flash once, not once per device.
/// </summary>
public sealed class FlashBaseImage
{
    private readonly byte[] _data;

    /// <summary>A copy of <paramref name="image"/>, padded with 0xFF to <paramref name="size"/> (default: whole sectors).</summary>
    /// <param name="image">The chip contents to start from.</param>
    /// <param name="size">Chip size in bytes, a whole number of sectors; default the image rounded up to a sector.</param>
    /// <param name="sectorSize">Erase granularity.</param>
    public FlashBaseImage(ReadOnlySpan<byte> image, long? size = null, int sectorSize = MemoryFlash.DefaultSectorSize)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(sectorSize);
        long total = size ?? (Math.Max(image.Length, sectorSize) + sectorSize - 1L) / sectorSize * sectorSize;
        if (total <= 0 || total % sectorSize != 0 || total > Array.MaxLength)
        {
            throw new ArgumentOutOfRangeException(nameof(size), $"flash size 0x{total:x} is not a positive multiple of 0x{sectorSize:x}");
        }

        if (image.Length > total)
        {
            throw new ArgumentException($"image of 0x{image.Length:x} bytes does not fit a 0x{total:x}-byte flash", nameof(image));
        }

        _data = new byte[total];
        image.CopyTo(_data);
        _data.AsSpan(image.Length).Fill(0xFF);
        SectorSize = sectorSize;
    }

    /// <summary>Size of the chip in bytes.</summary>
    public long Size => _data.Length;

    /// <summary>Erase granularity in bytes.</summary>
    public int SectorSize { get; }

    /// <summary>The image's bytes.</summary>
    public ReadOnlySpan<byte> Contents => _data;

    /// <summary>One sector of the image.</summary>
    internal ReadOnlySpan<byte> Sector(long index) => _data.AsSpan(checked((int)(index * SectorSize)), SectorSize);
}
