using EspOta.Flash;
using EspOta.Partitions;

namespace EspOta.Delta;

/// <summary>
/// The running app's partition as the base, read through <see cref="IFlash"/> and never written. Reads
/// may reach anywhere inside the partition, as <c>esp_partition_read</c> allows the example's <c>read_cb</c>.
/// </summary>
public sealed class FlashDeltaBase : IDeltaBase
{
    private readonly IFlash _flash;
    private readonly long _address;

    /// <summary>Reads the base from <paramref name="partition"/> of <paramref name="flash"/>.</summary>
    public FlashDeltaBase(IFlash flash, Partition partition)
        : this(flash, partition.Offset, partition.Size)
    {
    }

    /// <summary>Reads the base from <paramref name="length"/> bytes at <paramref name="address"/>.</summary>
    public FlashDeltaBase(IFlash flash, long address, long length)
    {
        ArgumentNullException.ThrowIfNull(flash);
        if (address < 0 || length < 0 || address + length > flash.Size)
        {
            throw new ArgumentOutOfRangeException(nameof(length), $"0x{address:x}+0x{length:x} is outside the 0x{flash.Size:x}-byte flash");
        }

        _flash = flash;
        _address = address;
        Length = length;
    }

    /// <inheritdoc/>
    public long Length { get; }

    /// <inheritdoc/>
    public void Read(long offset, Span<byte> destination) => _flash.Read(_address + offset, destination);
}
