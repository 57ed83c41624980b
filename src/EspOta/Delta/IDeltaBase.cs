namespace EspOta.Delta;

/// <summary>
/// The base image a patch is applied to, read at any offset (what esp_delta_ota's <c>read_cb</c> gives
/// detools: the running partition, read through <c>esp_partition_read</c>).
/// </summary>
public interface IDeltaBase
{
    /// <summary>How many bytes may be read (a partition's size, or a file's length).</summary>
    long Length { get; }

    /// <summary>Reads <paramref name="destination"/>.Length bytes at <paramref name="offset"/> (always inside <see cref="Length"/>).</summary>
    void Read(long offset, Span<byte> destination);
}
