using System.Buffers.Binary;

namespace EspOta.Images;

/// <summary>
/// The 8-byte common image header (first part of <c>esp_image_header_t</c>): magic, segment count,
/// SPI mode, flash size/frequency byte and entry point.
/// </summary>
/// <param name="Magic">0xE9 (<c>ESP_IMAGE_HEADER_MAGIC</c>), or 0xEA for the first header of an ESP8266 v2 image.</param>
/// <param name="SegmentCount">Segment count as stored.</param>
/// <param name="FlashMode">SPI mode byte.</param>
/// <param name="FlashSizeFrequency">Byte 3: flash size in the high nibble, frequency in the low nibble.</param>
/// <param name="EntryPoint">Entry address.</param>
public readonly record struct ImageHeader(byte Magic, byte SegmentCount, SpiFlashMode FlashMode, byte FlashSizeFrequency, uint EntryPoint)
{
    /// <summary>Size on flash.</summary>
    public const int Size = 8;

    /// <summary><c>ESP_IMAGE_HEADER_MAGIC</c>.</summary>
    public const byte ImageMagic = 0xE9;

    /// <summary>Magic of the first header of an ESP8266 "version 2" image.</summary>
    public const byte Esp8266V2Magic = 0xEA;

    internal const int MagicOffset = 0;
    internal const int SegmentCountOffset = MagicOffset + 1;
    internal const int FlashModeOffset = SegmentCountOffset + 1;
    internal const int FlashSizeFrequencyOffset = FlashModeOffset + 1;
    internal const int EntryPointOffset = FlashSizeFrequencyOffset + 1;

    /// <summary>The flash size nibble (<c>spi_size</c>).</summary>
    public int FlashSizeNibble => FlashSizeFrequency >> 4;

    /// <summary>The flash frequency nibble (<c>spi_speed</c>).</summary>
    public int FlashFrequencyNibble => FlashSizeFrequency & 0x0F;

    /// <summary>Decodes the first <see cref="Size"/> bytes.</summary>
    /// <exception cref="ArgumentException"><paramref name="data"/> is shorter than <see cref="Size"/>.</exception>
    public static ImageHeader Read(ReadOnlySpan<byte> data)
    {
        if (data.Length < Size)
        {
            throw new ArgumentException($"the image header needs {Size} bytes, got {data.Length}", nameof(data));
        }

        return new ImageHeader(data[MagicOffset], data[SegmentCountOffset], (SpiFlashMode)data[FlashModeOffset],
            data[FlashSizeFrequencyOffset], BinaryPrimitives.ReadUInt32LittleEndian(data[EntryPointOffset..]));
    }

    /// <summary>Encodes into the first <see cref="Size"/> bytes of <paramref name="destination"/>.</summary>
    public void WriteTo(Span<byte> destination)
    {
        if (destination.Length < Size)
        {
            throw new ArgumentException($"the image header needs {Size} bytes, got {destination.Length}", nameof(destination));
        }

        destination[MagicOffset] = Magic;
        destination[SegmentCountOffset] = SegmentCount;
        destination[FlashModeOffset] = (byte)FlashMode;
        destination[FlashSizeFrequencyOffset] = FlashSizeFrequency;
        BinaryPrimitives.WriteUInt32LittleEndian(destination[EntryPointOffset..], EntryPoint);
    }
}
