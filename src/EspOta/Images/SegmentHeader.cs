using System.Buffers.Binary;

namespace EspOta.Images;

/// <summary>
/// The 8-byte header in front of each segment's data (<c>esp_image_segment_header_t</c>,
/// esp_app_format.h): where the data is loaded and how long it is.
/// </summary>
/// <param name="LoadAddress">Load address (<c>load_addr</c>).</param>
/// <param name="DataLength">Length of the data that follows (<c>data_len</c>).</param>
public readonly record struct SegmentHeader(uint LoadAddress, uint DataLength)
{
    /// <summary>Size on flash.</summary>
    public const int Size = 8;

    /// <summary>Decodes the first <see cref="Size"/> bytes.</summary>
    /// <exception cref="ArgumentException"><paramref name="data"/> is shorter than <see cref="Size"/>.</exception>
    public static SegmentHeader Read(ReadOnlySpan<byte> data)
    {
        if (data.Length < Size)
        {
            throw new ArgumentException($"the segment header needs {Size} bytes, got {data.Length}", nameof(data));
        }

        return new SegmentHeader(BinaryPrimitives.ReadUInt32LittleEndian(data), BinaryPrimitives.ReadUInt32LittleEndian(data[4..]));
    }

    /// <summary>Encodes into the first <see cref="Size"/> bytes of <paramref name="destination"/>.</summary>
    public void WriteTo(Span<byte> destination)
    {
        if (destination.Length < Size)
        {
            throw new ArgumentException($"the segment header needs {Size} bytes, got {destination.Length}", nameof(destination));
        }

        BinaryPrimitives.WriteUInt32LittleEndian(destination, LoadAddress);
        BinaryPrimitives.WriteUInt32LittleEndian(destination[4..], DataLength);
    }
}
