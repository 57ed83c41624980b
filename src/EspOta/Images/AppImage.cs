using System.Security.Cryptography;
using EspOta.Flash;
using EspOta.Partitions;

namespace EspOta.Images;

/// <summary>
/// An app (or bootloader) image parsed exactly as esptool v4.8.1's <c>LoadFirmwareImage</c> reads it
/// (<c>esptool/bin_image.py</c>), with the facts <c>esptool.py image_info</c> reports: headers,
/// segments, checksum, SHA-256, trailing data (Secure Boot signatures) and the app/bootloader description.
/// </summary>
public sealed class AppImage
{
    private AppImage(Chip chip, ReadOnlyMemory<byte> bytes)
    {
        Chip = chip;
        Bytes = bytes;
    }

    /// <summary>The chip whose tables were used to parse (memory types, flash size/frequency names).</summary>
    public Chip Chip { get; }

    /// <summary>The bytes parsed (the whole file, or the whole partition).</summary>
    public ReadOnlyMemory<byte> Bytes { get; }

    /// <summary>Length of the parsed input.</summary>
    public long FileLength => Bytes.Length;

    /// <summary>esptool's image version: 1, or 2 for ESP8266 "v2" images (first header magic 0xEA).</summary>
    public int FormatVersion { get; private set; } = 1;

    /// <summary>Byte 0 of the file.</summary>
    public byte Magic { get; private set; }

    /// <summary>Byte 1 of the file (the segment count as stored in the first header).</summary>
    public byte HeaderSegmentCount { get; private set; }

    /// <summary>The header whose fields esptool uses (for ESP8266 v2 images, the second, 0xE9 header).</summary>
    public ImageHeader Header { get; private set; }

    /// <summary>The first 0xEA header of an ESP8266 v2 image; null otherwise.</summary>
    public ImageHeader? Esp8266V2FirstHeader { get; private set; }

    /// <summary>The extended header; null for ESP8266 images.</summary>
    public ExtendedImageHeader? ExtendedHeader { get; private set; }

    /// <summary>The segments as loaded (data included).</summary>
    public IReadOnlyList<ImageSegment> Segments { get; private set; } = [];

    /// <summary>The checksum byte as stored.</summary>
    public byte StoredChecksum { get; private set; }

    /// <summary>The checksum calculated over the segments included in it.</summary>
    public byte CalculatedChecksum { get; private set; }

    /// <summary>File offset of the checksum byte.</summary>
    public long ChecksumOffset { get; private set; }

    /// <summary>Whether the checksum matches.</summary>
    public bool ChecksumValid => StoredChecksum == CalculatedChecksum;

    /// <summary>The appended SHA-256; null when the image has none.</summary>
    public ImageDigest? Digest { get; private set; }

    /// <summary>End of the image proper: after the digest if appended, else after the checksum byte.</summary>
    public long ImageLengthWithoutSignature { get; private set; }

    /// <summary>Bytes after <see cref="ImageLengthWithoutSignature"/> (0 when the file ends inside the digest).</summary>
    public long TrailingBytes => Math.Max(0, FileLength - ImageLengthWithoutSignature);

    /// <summary>The Secure Boot v2 signature sector offset, when that sector starts with a valid block.</summary>
    public long? SignatureSectorOffset { get; private set; }

    /// <summary>The consecutive valid Secure Boot v2 signature blocks (up to 3).</summary>
    public IReadOnlyList<Security.SignatureBlockV2> SignatureBlocks { get; private set; } = [];

    /// <summary>A Secure Boot v1 signature directly after the digest, when one seems present.</summary>
    public SecureBootV1Signature? SecureBootV1Signature { get; private set; }

    /// <summary>The <c>esp_app_desc_t</c> at file offset 0x20, when its magic word is right.</summary>
    public AppDescription? AppDescription { get; private set; }

    /// <summary>Whether <c>esptool.py image_info</c> v4.8.1 prints <see cref="AppDescription"/> (it only looks in DROM segments).</summary>
    public bool AppDescriptionReportedByEsptool { get; private set; }

    /// <summary>The <c>esp_bootloader_desc_t</c> at file offset 0x20, when its first byte is 0x50.</summary>
    public BootloaderDescription? BootloaderDescription { get; private set; }

    /// <summary>Whether <c>esptool.py image_info</c> v4.8.1 prints <see cref="BootloaderDescription"/>.</summary>
    public bool BootloaderDescriptionReportedByEsptool { get; private set; }

    /// <summary>Warnings esptool prints while loading (suspicious segments, chip id mismatch …).</summary>
    public IReadOnlyList<string> LoadMessages { get; private set; } = [];

    /// <summary>esptool's verdict: checksum matches and (no digest, or the digest matches). Signatures are not checked.</summary>
    public bool IsValid => ChecksumValid && (Digest is null || Digest.IsValid);

    /// <summary>esptool's name of the flash mode (<c>qio</c>, <c>qout</c>, <c>dio</c>, <c>dout</c>), or null.</summary>
    public string? FlashModeName => Header.FlashMode switch
    {
        SpiFlashMode.Qio => "qio",
        SpiFlashMode.Qout => "qout",
        SpiFlashMode.Dio => "dio",
        SpiFlashMode.Dout => "dout",
        _ => null,
    };

    /// <summary>esptool's name of the flash size for this chip, or null.</summary>
    public string? FlashSizeName => Chip.FlashSizeName(Header.FlashSizeNibble);

    /// <summary>esptool's name of the flash frequency for this chip (the ESP32-C6 reports 0 as <c>80m</c>), or null.</summary>
    public string? FlashFrequencyName => Chip.FlashFrequencyName(Header.FlashFrequencyNibble);

    /// <summary>esptool's memory types of a segment's load address.</summary>
    public IReadOnlyList<string> MemoryTypesOf(ImageSegment segment) => Chip.MemoryTypesOf(segment.LoadAddress);

    /// <summary>
    /// Picks the chip as <c>image_info --chip auto</c> does: the extended header's chip id when the
    /// hash byte is 0 or 1 and the id is known, else the ESP8266.
    /// </summary>
    public static Chip DetectChip(ReadOnlySpan<byte> data)
    {
        if (data.Length >= ImageHeader.Size + ExtendedImageHeader.Size)
        {
            var ext = data.Slice(ImageHeader.Size, ExtendedImageHeader.Size);
            if (ext[ExtendedImageHeader.HashAppendedOffset] <= 1
                && Chip.TryFromImageId(ext[ExtendedImageHeader.ChipIdOffset], out var chip) && chip.KnownToEsptool)
            {
                return chip;
            }
        }

        return Chip.Esp8266;
    }

    /// <summary>Parses an image held in memory.</summary>
    /// <param name="data">The file (or partition) bytes; they are copied.</param>
    /// <param name="chip">The chip to parse for; null detects it as <see cref="DetectChip"/>.</param>
    /// <exception cref="ImageFormatException">esptool could not load these bytes.</exception>
    public static AppImage Parse(ReadOnlySpan<byte> data, Chip? chip = null) => ParseOwned(data.ToArray(), chip);

    /// <summary>Parses an image from the rest of <paramref name="stream"/>.</summary>
    /// <exception cref="ImageFormatException">esptool could not load these bytes.</exception>
    public static AppImage Parse(Stream stream, Chip? chip = null)
    {
        ArgumentNullException.ThrowIfNull(stream);
        using var buffer = new MemoryStream();
        stream.CopyTo(buffer);
        return ParseOwned(buffer.ToArray(), chip);
    }

    /// <summary>Parses the image in a flash partition (the whole partition is read; what follows the image is trailing data).</summary>
    /// <exception cref="ImageFormatException">esptool could not load these bytes, or the partition runs past the end of the chip.</exception>
    public static AppImage Parse(IFlash flash, Partition partition, Chip? chip = null)
    {
        ArgumentNullException.ThrowIfNull(flash);
        ArgumentNullException.ThrowIfNull(partition);
        if (partition.End > flash.Size)
        {
            throw new ImageFormatException($"partition {partition} ends past the flash size 0x{flash.Size:x}", Math.Max(0, flash.Size - partition.Offset));
        }

        var bytes = new byte[partition.Size];
        flash.Read(partition.Offset, bytes);
        return ParseOwned(bytes, chip);
    }

    private static AppImage ParseOwned(byte[] bytes, Chip? chip)
    {
        chip ??= DetectChip(bytes);
        var messages = new List<string>();
        try
        {
            return chip == Chip.Esp8266 ? ParseEsp8266(bytes, messages) : ParseEsp32(bytes, chip, messages);
        }
        catch (ImageFormatException ex) when (messages.Count > 0 && ex.LoadMessages.Count == 0)
        {
            // esptool prints its warnings as it reads, so they come out before the fatal error.
            throw new ImageFormatException(ex.Reason, ex.Offset) { LoadMessages = messages };
        }
    }

    // What Python's struct.unpack says when load_file.read(n) came back short (esptool lets it through).
    private static string UnpackTooShort(int size) => $"unpack requires a buffer of {size} bytes";

    // What ord(f.read(1)) says at the end of the file (read_checksum, and LoadFirmwareImage for the ESP8266).
    private const string OrdAtEndOfFile = "ord() expected a character, but string of length 0 found";

    private static ImageHeader ReadCommonHeader(ReadOnlySpan<byte> data, long offset, byte expectedMagic)
    {
        if (data.Length - offset < ImageHeader.Size)
        {
            throw new ImageFormatException(UnpackTooShort(ImageHeader.Size), offset);
        }

        var header = ImageHeader.Read(data[(int)offset..]);
        if (header.Magic != expectedMagic)
        {
            throw new ImageFormatException($"Invalid firmware image magic=0x{header.Magic:x} (expected 0x{expectedMagic:x2})", offset);
        }

        return header;
    }

    private static ImageSegment ReadSegment(byte[] data, ref long position, int index, List<string>? messages)
    {
        long at = position;
        if (data.Length - at < ImageSegment.HeaderSize)
        {
            throw new ImageFormatException(UnpackTooShort(ImageSegment.HeaderSize), at);
        }

        var (load, length) = SegmentHeader.Read(data.AsSpan((int)at));
        if (messages is not null && (load > 0x40200000 || load < 0x3FFE0000 || length > 65536))
        {
            // ESP8266 loader only (warn_if_unusual_segment).
            messages.Add($"WARNING: Suspicious segment 0x{load:x}, length {length}");
        }

        long dataStart = at + ImageSegment.HeaderSize;
        long available = data.Length - dataStart;
        if (length > available)
        {
            throw new ImageFormatException(
                $"End of file reading segment 0x{load:x}, length {length} (actual length {available})", dataStart);
        }

        position = dataStart + length;
        return new ImageSegment(index, load, length, at) { Data = data.AsMemory((int)dataStart, (int)length) };
    }

    private static byte ReadChecksum(byte[] data, long endOfSegments, out long offset)
    {
        offset = ImageChecksum.OffsetAfter(endOfSegments);
        if (offset >= data.Length)
        {
            throw new ImageFormatException(OrdAtEndOfFile, offset);
        }

        return data[offset];
    }

    private static void CheckSegmentCount(int count)
    {
        if (count > 16)
        {
            throw new ImageFormatException($"Invalid segment count {count} (max 16). Usually this indicates a linker script problem.", ImageHeader.SegmentCountOffset);
        }
    }

    private static byte Checksum(IEnumerable<ImageSegment> segments)
    {
        byte checksum = ImageChecksum.Seed;
        foreach (var s in segments)
        {
            if (s.IncludeInChecksum)
            {
                checksum = ImageChecksum.Update(checksum, s.Data.Span);
            }
        }

        return checksum;
    }

    private static AppImage ParseEsp32(byte[] data, Chip chip, List<string> messages)
    {
        var header = ReadCommonHeader(data, 0, ImageHeader.ImageMagic);
        if (data.Length < ImageHeader.Size + ExtendedImageHeader.Size)
        {
            throw new ImageFormatException(UnpackTooShort(ExtendedImageHeader.Size), ImageHeader.Size);
        }

        var ext = ExtendedImageHeader.Read(data.AsSpan(ImageHeader.Size));
        if (chip.ImageChipId != ext.ChipId)
        {
            messages.Add($"Unexpected chip id in image. Expected {chip.ImageChipId} but value was {ext.ChipId}. Is this image for a different chip model?");
        }

        if (ext.HashAppendedByte > 1)
        {
            // esptool 4.8.1 hands this message and the value to RuntimeError as two arguments and so
            // prints a Python tuple; the formatted message is what it means to say.
            throw new ImageFormatException($"Invalid value for append_digest field (0x{ext.HashAppendedByte:x2}). Should be 0 or 1.",
                ImageHeader.Size + ExtendedImageHeader.HashAppendedOffset);
        }

        long position = ImageHeader.Size + ExtendedImageHeader.Size;
        var segments = new List<ImageSegment>(header.SegmentCount);
        for (int i = 0; i < header.SegmentCount; i++)
        {
            segments.Add(ReadSegment(data, ref position, i, null));
        }

        byte stored = ReadChecksum(data, position, out long checksumOffset);
        ImageDigest? digest = null;
        long end = checksumOffset + 1;
        if (ext.HashAppended)
        {
            // esptool reads up to 32 bytes (fewer when the file is cut inside the digest) and counts the
            // whole digest in the image length all the same; a short digest never equals the calculated one.
            int storedLength = (int)Math.Min(ImageDigest.Length, data.Length - end);
            digest = new ImageDigest(data.AsMemory((int)end, storedLength), SHA256.HashData(data.AsSpan(0, (int)end)), end);
            end += ImageDigest.Length;
        }

        CheckSegmentCount(segments.Count);

        var image = new AppImage(chip, data)
        {
            Magic = data[0],
            HeaderSegmentCount = data[1],
            Header = header,
            ExtendedHeader = ext,
            Segments = segments,
            StoredChecksum = stored,
            CalculatedChecksum = Checksum(segments),
            ChecksumOffset = checksumOffset,
            Digest = digest,
            ImageLengthWithoutSignature = end,
            LoadMessages = messages,
        };
        image.FillTrailingFacts();
        image.FillDescriptions();
        return image;
    }

    private static AppImage ParseEsp8266(byte[] data, List<string> messages)
    {
        if (data.Length == 0)
        {
            throw new ImageFormatException(OrdAtEndOfFile, 0);
        }

        var segments = new List<ImageSegment>();
        ImageHeader header;
        ImageHeader? first = null;
        long position;
        int version;
        if (data[0] == ImageHeader.ImageMagic)
        {
            version = 1;
            header = ReadCommonHeader(data, 0, ImageHeader.ImageMagic);
            position = ImageHeader.Size;
            for (int i = 0; i < header.SegmentCount; i++)
            {
                segments.Add(ReadSegment(data, ref position, i, messages));
            }
        }
        else if (data[0] == ImageHeader.Esp8266V2Magic)
        {
            version = 2;
            var v2 = ReadCommonHeader(data, 0, ImageHeader.Esp8266V2Magic);
            first = v2;
            if (v2.SegmentCount != 4)
            {
                messages.Add($"Warning: V2 header has unexpected \"segment\" count {v2.SegmentCount} (usually 4)");
            }

            position = ImageHeader.Size;
            var irom = ReadSegment(data, ref position, 0, null);
            segments.Add(irom with { LoadAddress = 0, IncludeInChecksum = false });
            long secondAt = position;
            header = ReadCommonHeader(data, secondAt, ImageHeader.ImageMagic);
            if (v2.FlashMode != header.FlashMode)
            {
                messages.Add($"WARNING: Flash mode value in first header (0x{(byte)v2.FlashMode:x2}) disagrees with second (0x{(byte)header.FlashMode:x2}). Using second value.");
            }

            if (v2.FlashSizeFrequency != header.FlashSizeFrequency)
            {
                messages.Add($"WARNING: Flash size/freq value in first header (0x{v2.FlashSizeFrequency:x2}) disagrees with second (0x{header.FlashSizeFrequency:x2}). Using second value.");
            }

            if (v2.EntryPoint != header.EntryPoint)
            {
                messages.Add($"WARNING: Entrypoint address in first header (0x{v2.EntryPoint:x8}) disagrees with second header (0x{header.EntryPoint:x8}). Using second value.");
            }

            position = secondAt + ImageHeader.Size;
            for (int i = 0; i < header.SegmentCount; i++)
            {
                segments.Add(ReadSegment(data, ref position, i + 1, messages));
            }
        }
        else
        {
            throw new ImageFormatException($"Invalid image magic number: {data[0]}", 0);
        }

        byte stored = ReadChecksum(data, position, out long checksumOffset);
        CheckSegmentCount(segments.Count);
        var image = new AppImage(Chip.Esp8266, data)
        {
            FormatVersion = version,
            Magic = data[0],
            HeaderSegmentCount = data.Length > 1 ? data[1] : (byte)0,
            Header = header,
            Esp8266V2FirstHeader = first,
            Segments = segments,
            StoredChecksum = stored,
            CalculatedChecksum = Checksum(segments),
            ChecksumOffset = checksumOffset,
            ImageLengthWithoutSignature = checksumOffset + 1,
            LoadMessages = messages,
        };
        image.FillTrailingFacts();
        return image;
    }

    private void FillTrailingFacts()
    {
        var data = Bytes.Span;
        long end = ImageLengthWithoutSignature;
        long sector = Security.SignatureSector.OffsetAfter(end);
        IReadOnlyList<Security.SignatureBlockV2> blocks = sector < data.Length
            ? Security.SignatureSector.ReadLeadingBlocks(data[(int)sector..])
            : [];
        SignatureSectorOffset = blocks.Count > 0 ? sector : null;
        SignatureBlocks = blocks;
        if (blocks.Count == 0 && Digest is not null && end < data.Length)
        {
            SecureBootV1Signature = SecureBootV1Signature.TryRead(data[(int)end..], end);
        }
    }

    private void FillDescriptions()
    {
        var data = Bytes.Span;
        AppDescription? app = null;
        BootloaderDescription? boot = null;
        if (Segments.Count > 0 && data.Length >= AppDescription.ImageOffset + AppDescription.Size
            && AppDescription.HasMagic(data[AppDescription.ImageOffset..]))
        {
            app = AppDescription.Read(data[AppDescription.ImageOffset..]);
        }
        else if (Segments.Count > 0 && data.Length >= AppDescription.ImageOffset + BootloaderDescription.Size
            && data[AppDescription.ImageOffset] == BootloaderDescription.MagicByte)
        {
            boot = BootloaderDescription.Read(data[AppDescription.ImageOffset..]);
        }

        // image_info v2 (esptool/cmds.py): the last DROM segment supplies the app description and,
        // only when there is none, the last DRAM segment of at least 80 bytes the bootloader one.
        ImageSegment? dromSegment = null;
        ImageSegment? dramSegment = null;
        foreach (var s in Segments)
        {
            var types = MemoryTypesOf(s);
            if (types.Contains("DROM"))
            {
                dromSegment = s;
            }
            else if (types.Contains("DRAM") && s.Length >= BootloaderDescription.Size)
            {
                dramSegment = s;
            }
        }

        AppDescription = app;
        AppDescriptionReportedByEsptool = app is not null && dromSegment is { Index: 0, Length: >= AppDescription.Size };
        BootloaderDescription = boot;
        BootloaderDescriptionReportedByEsptool = boot is not null && (dromSegment is null || dromSegment.Length == 0) && dramSegment is { Index: 0 };
    }
}
