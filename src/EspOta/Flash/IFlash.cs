namespace EspOta.Flash;

/// <summary>
/// A NOR flash chip as the ESP-IDF <c>esp_flash_*</c>/<c>spi_flash</c> layer sees it: erase by whole
/// sectors (bytes become 0xFF), program may only clear bits.
/// </summary>
/// <remarks>
/// Every device-side component reaches flash only through this interface; nothing else keeps device
/// state, so forgetting every object and keeping the flash is an honest reboot.
/// </remarks>
public interface IFlash
{
    /// <summary>Size of the chip in bytes.</summary>
    long Size { get; }

    /// <summary>Erase granularity in bytes (4096 on every ESP32 flash chip).</summary>
    int SectorSize { get; }

    /// <summary>Reads <paramref name="destination"/>.Length bytes at <paramref name="address"/>.</summary>
    void Read(long address, Span<byte> destination);

    /// <summary>Programs <paramref name="data"/> at <paramref name="address"/>: each byte becomes <c>old &amp; new</c>.</summary>
    /// <exception cref="FlashProgramException">strict flash: the write would turn a 0 bit into 1.</exception>
    void Write(long address, ReadOnlySpan<byte> data);

    /// <summary>Erases whole sectors: <paramref name="address"/> and <paramref name="length"/> must be sector-aligned.</summary>
    void Erase(long address, long length);
}
