using System.Buffers.Binary;
using System.Security.Cryptography;

namespace EspOta.Images;

/// <summary>
/// Builds an ESP-IDF-style app image: the <c>esp_app_desc_t</c> at the start of a DROM segment (file
/// offset 0x20), the caller's segments (flash-mapped ones aligned to their 64 KiB page with padding
/// segments, as <c>elf2image</c> does), the XOR checksum and the appended SHA-256 (<c>hash_appended = 1</c>).
/// </summary>
public sealed class AppImageBuilder
{
    private const int MmuPageSize = 0x10000;
    private readonly List<(uint Address, byte[] Data)> _segments = [];

    /// <summary>Starts an image for <paramref name="chip"/> (every chip with an extended header; not the ESP8266).</summary>
    public AppImageBuilder(Chip chip)
    {
        ArgumentNullException.ThrowIfNull(chip);
        if (!chip.HasExtendedHeader)
        {
            throw new ArgumentException($"{chip.Name} images have no extended header and no app description; the builder makes ESP-IDF app images", nameof(chip));
        }

        Chip = chip;
    }

    /// <summary>The target chip.</summary>
    public Chip Chip { get; }

    /// <summary>The application description written at file offset 0x20 (magic word is always written).</summary>
    public AppDescription Description { get; set; } = new()
    {
        ProjectName = "app",
        Version = "1.0.0",
        Time = "00:00:00",
        Date = "Jan  1 2025",
        IdfVersion = "v5.5.5",
        MmuPageSizeLog2 = 16,
    };

    /// <summary>SPI flash mode (header byte 2).</summary>
    public SpiFlashMode FlashMode { get; set; } = SpiFlashMode.Dio;

    /// <summary>Flash size nibble (high nibble of header byte 3); 1 = 2MB on every chip but the ESP8266.</summary>
    public byte FlashSizeNibble { get; set; } = 1;

    /// <summary>Flash frequency nibble (low nibble of header byte 3).</summary>
    public byte FlashFrequencyNibble { get; set; }

    /// <summary>Entry point address.</summary>
    public uint EntryPoint { get; set; }

    /// <summary>Minimum chip revision (major*100+minor); the legacy byte gets the major part.</summary>
    public ushort MinChipRevisionFull { get; set; }

    /// <summary>Maximum chip revision (major*100+minor); 0xFFFF = no limit.</summary>
    public ushort MaxChipRevisionFull { get; set; } = 0xFFFF;

    /// <summary>Append the SHA-256 digest (ESP-IDF apps always do).</summary>
    public bool AppendDigest { get; set; } = true;

    /// <summary>Bytes of deterministic payload placed after the description in the DROM segment.</summary>
    public int PayloadLength { get; set; }

    /// <summary>Seed of the payload bytes.</summary>
    public ulong PayloadSeed { get; set; } = 1;

    /// <summary>When set, 0xFF bytes are appended after the image up to this total length.</summary>
    public long? TotalSize { get; set; }

    /// <summary>Sets the project name.</summary>
    public AppImageBuilder WithProject(string projectName)
    {
        Description = Description with { ProjectName = projectName };
        return this;
    }

    /// <summary>Sets the version string.</summary>
    public AppImageBuilder WithVersion(string version)
    {
        Description = Description with { Version = version };
        return this;
    }

    /// <summary>Sets the anti-rollback <c>secure_version</c>.</summary>
    public AppImageBuilder WithSecureVersion(uint secureVersion)
    {
        Description = Description with { SecureVersion = secureVersion };
        return this;
    }

    /// <summary>Replaces the whole description.</summary>
    public AppImageBuilder WithDescription(AppDescription description)
    {
        ArgumentNullException.ThrowIfNull(description);
        Description = description;
        return this;
    }

    /// <summary>Sets flash mode, and size/frequency by esptool name for this chip (<c>4MB</c>, <c>80m</c>).</summary>
    public AppImageBuilder WithFlash(SpiFlashMode mode, string? size = null, string? frequency = null)
    {
        FlashMode = mode;
        if (size is not null)
        {
            FlashSizeNibble = Chip.TryGetFlashSize(size, out var s) ? s : throw new ArgumentException($"{Chip.Name} has no flash size '{size}'", nameof(size));
        }

        if (frequency is not null)
        {
            FlashFrequencyNibble = Chip.TryGetFlashFrequency(frequency, out var f) ? f : throw new ArgumentException($"{Chip.Name} has no flash frequency '{frequency}'", nameof(frequency));
        }

        return this;
    }

    /// <summary>Sets the entry point.</summary>
    public AppImageBuilder WithEntry(uint entryPoint)
    {
        EntryPoint = entryPoint;
        return this;
    }

    /// <summary>Sets the chip revision window (major*100+minor; max 0xFFFF = none).</summary>
    public AppImageBuilder WithChipRevision(ushort minFull, ushort maxFull = 0xFFFF)
    {
        MinChipRevisionFull = minFull;
        MaxChipRevisionFull = maxFull;
        return this;
    }

    /// <summary>Adds <paramref name="bytes"/> of deterministic payload to the DROM segment.</summary>
    public AppImageBuilder WithPayload(int bytes, ulong seed = 1)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(bytes);
        PayloadLength = bytes;
        PayloadSeed = seed;
        return this;
    }

    /// <summary>
    /// Load address of the first segment (the one holding the description and the payload); null = the chip's
    /// <see cref="Chip.AppDescriptionAddress"/> (flash-mapped DROM, as in an app).
    /// </summary>
    public uint? FirstSegmentAddress { get; set; }

    /// <summary>
    /// Lays the image out as a second-stage bootloader: the first segment in the chip's first RAM range, not
    /// flash-mapped (a bootloader is copied to RAM by the ROM, so no segment may need the MMU).
    /// </summary>
    public AppImageBuilder AsBootloader()
    {
        FirstSegmentAddress = Chip.LoadableRanges[0].Start;
        return this;
    }

    /// <summary>Pads the output with 0xFF to <paramref name="totalSize"/> bytes.</summary>
    public AppImageBuilder PadTo(long totalSize)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(totalSize);
        TotalSize = totalSize;
        return this;
    }

    /// <summary>Adds a segment; its data is zero-padded to a multiple of 4 bytes.</summary>
    public AppImageBuilder AddSegment(uint loadAddress, ReadOnlySpan<byte> data)
    {
        _segments.Add((loadAddress, data.ToArray()));
        return this;
    }

    /// <summary>Builds the image.</summary>
    /// <exception cref="InvalidOperationException">More than 16 segments result, or the image is larger than <see cref="TotalSize"/>.</exception>
    public byte[] Build()
    {
        var segments = new List<(uint Address, byte[] Data)>();
        var drom = new byte[Align4(AppDescription.Size + PayloadLength)];
        (Description with { Magic = AppDescription.MagicWord }).WriteTo(drom);
        FillPayload(drom.AsSpan(AppDescription.Size, PayloadLength), PayloadSeed);
        segments.Add((FirstSegmentAddress ?? Chip.AppDescriptionAddress, drom));

        // Flash-mapped segments must sit at a file offset congruent to their address modulo the
        // MMU page (verify_segment_header); elf2image fills the gap with a padding segment.
        long position = ImageHeader.Size + ExtendedImageHeader.Size + ImageSegment.HeaderSize + drom.Length;
        foreach (var (address, raw) in _segments)
        {
            var data = raw.Length % 4 == 0 ? raw : [.. raw, .. new byte[4 - raw.Length % 4]];
            if (Chip.IsMapped(address))
            {
                long dataAt = position + ImageSegment.HeaderSize;
                long gap = ((address % MmuPageSize) - (dataAt % MmuPageSize) + MmuPageSize) % MmuPageSize;
                if (gap != 0)
                {
                    // A padding segment costs its own 8-byte header, so it needs at least that much room.
                    if (gap < ImageSegment.HeaderSize)
                    {
                        gap += MmuPageSize;
                    }

                    segments.Add((0, new byte[gap - ImageSegment.HeaderSize]));
                    position += gap;
                }
            }

            segments.Add((address, data));
            position += ImageSegment.HeaderSize + data.Length;
        }

        if (segments.Count > 16)
        {
            throw new InvalidOperationException($"the image would have {segments.Count} segments; ESP-IDF accepts at most 16");
        }

        long checksumOffset = ImageChecksum.OffsetAfter(position);
        long imageLength = checksumOffset + 1 + (AppendDigest ? ImageDigest.Length : 0);
        long total = TotalSize ?? imageLength;
        if (total < imageLength)
        {
            throw new InvalidOperationException($"the image needs 0x{imageLength:x} bytes, more than the requested total 0x{total:x}");
        }

        var image = new byte[total];
        new ImageHeader(ImageHeader.ImageMagic, (byte)segments.Count, FlashMode, (byte)((FlashSizeNibble << 4) | (FlashFrequencyNibble & 0xF)), EntryPoint)
            .WriteTo(image);
        ExtendedImageHeader.Create(Chip.ImageChipId!.Value, AppendDigest, MinChipRevisionFull, MaxChipRevisionFull)
            .WriteTo(image.AsSpan(ImageHeader.Size));
        int at = ImageHeader.Size + ExtendedImageHeader.Size;
        byte checksum = ImageChecksum.Seed;
        foreach (var (address, data) in segments)
        {
            new SegmentHeader(address, (uint)data.Length).WriteTo(image.AsSpan(at));
            data.CopyTo(image, at + ImageSegment.HeaderSize);
            checksum = ImageChecksum.Update(checksum, data);
            at += ImageSegment.HeaderSize + data.Length;
        }

        image[checksumOffset] = checksum;
        if (AppendDigest)
        {
            SHA256.HashData(image.AsSpan(0, (int)checksumOffset + 1), image.AsSpan((int)checksumOffset + 1, ImageDigest.Length));
        }

        image.AsSpan((int)imageLength).Fill(0xFF);
        return image;
    }

    private static int Align4(int n) => (n + 3) & ~3;

    private static void FillPayload(Span<byte> destination, ulong seed)
    {
        // xorshift64*: cheap, deterministic, and not compressible into a trivially patterned image.
        ulong x = seed == 0 ? 0x9E3779B97F4A7C15UL : seed;
        int i = 0;
        Span<byte> word = stackalloc byte[8];
        while (i < destination.Length)
        {
            x ^= x >> 12;
            x ^= x << 25;
            x ^= x >> 27;
            BinaryPrimitives.WriteUInt64LittleEndian(word, x * 0x2545F4914F6CDD1DUL);
            int n = Math.Min(8, destination.Length - i);
            word[..n].CopyTo(destination[i..]);
            i += n;
        }
    }
}
