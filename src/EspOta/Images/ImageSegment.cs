namespace EspOta.Images;

/// <summary>One segment of an image, as esptool loads it.</summary>
/// <param name="Index">Position in the image (0-based, counting the IROM part of an ESP8266 v2 image).</param>
/// <param name="LoadAddress">Load address (0 for padding and for the ESP8266 v2 IROM part).</param>
/// <param name="LengthInHeader">Data length as stored in the segment header.</param>
/// <param name="FileOffset">File offset of the 8-byte segment header.</param>
/// <param name="IncludeInChecksum">False only for the IROM part of an ESP8266 v2 image.</param>
public sealed record ImageSegment(int Index, uint LoadAddress, uint LengthInHeader, long FileOffset, bool IncludeInChecksum = true)
{
    /// <summary>Size of a segment header (<c>esp_image_segment_header_t</c>).</summary>
    public const int HeaderSize = SegmentHeader.Size;

    /// <summary>File offset of the data (after the 8-byte header).</summary>
    public long DataOffset => FileOffset + HeaderSize;

    // esptool pads when the segment is created, by the address in the file; moving a segment (the
    // ESP8266 v2 IROM part is re-addressed to 0 afterwards) keeps that padding. A with-copy keeps this field.
    private readonly bool _padToWord = LoadAddress != 0;

    /// <summary>
    /// Length as esptool loads it: a segment whose header has a non-zero load address is padded with
    /// zeros to a multiple of 4 (<c>ImageSegment.pad_to_alignment</c>).
    /// </summary>
    public long Length => _padToWord ? (LengthInHeader + 3L) & ~3L : LengthInHeader;

    /// <summary>The data as stored (<see cref="LengthInHeader"/> bytes); empty when the parser did not keep it.</summary>
    public ReadOnlyMemory<byte> Data { get; init; }
}
