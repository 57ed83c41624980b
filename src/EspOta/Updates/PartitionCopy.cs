using EspOta.Flash;
using EspOta.Partitions;

namespace EspOta.Updates;

/// <summary>
/// <c>esp_partition_copy</c> (components/esp_partition/partition.c): erase the destination range, then copy in
/// chunks of at most the free MMU pages (modelled as 64 KiB, one page). It is not power safe: between the
/// erase and the last chunk the destination holds neither the old nor the new contents.
/// </summary>
public static class PartitionCopy
{
    /// <summary>The chunk each read-then-program step moves (one 64 KiB MMU page).</summary>
    public const int ChunkSize = 64 * 1024;

    /// <summary>Copies the first <paramref name="length"/> bytes of <paramref name="source"/> over the start of <paramref name="destination"/>.</summary>
    /// <exception cref="EspException"><see cref="EspError.InvalidArg"/> (same partition), <see cref="EspError.InvalidSize"/> (longer than either).</exception>
    public static void Copy(IFlash flash, Partition destination, Partition source, long length)
    {
        ArgumentNullException.ThrowIfNull(flash);
        ArgumentNullException.ThrowIfNull(destination);
        ArgumentNullException.ThrowIfNull(source);
        if (destination == source)
        {
            throw new EspException(EspError.InvalidArg, $"esp_partition_copy: {source.Label} onto itself");
        }

        if (length < 0 || length > source.Size || length > destination.Size)
        {
            throw new EspException(EspError.InvalidSize, $"esp_partition_copy: 0x{length:x} bytes from {source.Label} (0x{source.Size:x}) to {destination.Label} (0x{destination.Size:x})");
        }

        long erase = Math.Min(destination.Size, (length + flash.SectorSize - 1) / flash.SectorSize * flash.SectorSize);
        flash.Erase(destination.Offset, erase);
        var buffer = new byte[Math.Min(length, ChunkSize)];
        for (long done = 0; done < length; done += buffer.Length)
        {
            var chunk = buffer.AsSpan(0, (int)Math.Min(buffer.Length, length - done));
            flash.Read(source.Offset + done, chunk);
            flash.Write(destination.Offset + done, chunk);
        }
    }
}
