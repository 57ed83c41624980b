using System.Buffers;
using System.Buffers.Binary;
using System.Security.Cryptography;
using EspOta.Flash;
using EspOta.Partitions;
using EspOta.Security;

namespace EspOta.Images;

/// <summary>
/// Verifies an app image the way ESP-IDF's <c>esp_image_verify(ESP_IMAGE_VERIFY, …)</c> does
/// (<c>components/bootloader_support/src/esp_image_format.c</c>): header, chip, segments, checksum,
/// length, SHA-256 — in one pass over the bytes, hashing and XOR-ing as they are read.
/// </summary>
public static class ImageVerifier
{
    private const int ChunkSize = 64 * 1024;
    private const int PieceSize = 16 * 1024;
    private const int DefaultMmuPageSize = 0x10000;

    // ESP_IMAGE_MAX_FLASH_ADDR_SIZE: 16 MiB, unless the chip maps 32-bit flash addresses.
    private const long MaxSegmentLength = 0x1000000;

    /// <summary>Verifies an image held in memory (the span's length is the space available).</summary>
    public static ImageVerification Verify(ReadOnlySpan<byte> image, ImageVerifyOptions? options = null)
    {
        if (options?.MaxLength is { } max && max >= 0 && max < image.Length)
        {
            image = image[..(int)max];
        }

        var source = new SpanImageSource(image);
        return Run(ref source, options ?? ImageVerifyOptions.Default, options?.MaxLength);
    }

    /// <summary>Verifies the image at the start of <paramref name="partition"/> (its size bounds the image).</summary>
    public static ImageVerification Verify(IFlash flash, Partition partition, ImageVerifyOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(flash);
        ArgumentNullException.ThrowIfNull(partition);
        options ??= ImageVerifyOptions.Default;
        // A table read from flash may describe a partition past the chip's end (bootloader_mmap would
        // fail there): only the bytes that exist are verified, so such an image is reported truncated.
        long onChip = Math.Max(0, Math.Min(partition.End, flash.Size) - partition.Offset);
        long limit = Math.Min(onChip, options.MaxLength ?? long.MaxValue);
        var buffer = ArrayPool<byte>.Shared.Rent(ChunkSize);
        try
        {
            var source = new FlashImageSource(flash, partition.Offset, limit, buffer);
            return Run(ref source, options with { FlashOffset = partition.Offset }, limit);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    /// <summary>Verifies the image read from the current position of <paramref name="stream"/>.</summary>
    public static ImageVerification Verify(Stream stream, ImageVerifyOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(stream);
        options ??= ImageVerifyOptions.Default;
        var buffer = ArrayPool<byte>.Shared.Rent(ChunkSize);
        try
        {
            var source = new StreamImageSource(stream, buffer);
            return Run(ref source, options, options.MaxLength);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    private static int ReadExact<TSource>(ref TSource source, scoped Span<byte> destination)
        where TSource : IImageSource, allows ref struct
    {
        int total = 0;
        while (total < destination.Length)
        {
            var chunk = source.Read(destination.Length - total);
            if (chunk.IsEmpty)
            {
                break;
            }

            chunk.CopyTo(destination[total..]);
            total += chunk.Length;
        }

        return total;
    }

    private static ImageVerification Run<TSource>(ref TSource source, ImageVerifyOptions options, long? limit)
        where TSource : IImageSource, allows ref struct
    {
        var state = new State(options);
        using var sha = new ImageHash((options.SecureBootV2 || options.ReadSignatureSector) && options.SignedDataSha384);

        // Header (esp_image_header_t, 24 bytes).
        Span<byte> header = stackalloc byte[ImageHeader.Size + ExtendedImageHeader.Size];
        int got = ReadExact(ref source, header);
        if (got >= 1 && header[0] != ImageHeader.ImageMagic)
        {
            return state.Fail(ImageCheck.Magic, 0, $"image has invalid magic byte 0x{header[0]:x2} (expected 0x{ImageHeader.ImageMagic:x2}; nothing flashed here?)");
        }

        if (got < header.Length)
        {
            return state.Fail(ImageCheck.Truncated, got, $"the image header needs {header.Length} bytes, only {got} available");
        }

        state.Header = ImageHeader.Read(header);
        var ext = ExtendedImageHeader.Read(header[ImageHeader.Size..]);
        state.ExtendedHeader = ext;
        sha.AppendData(header);

        var chip = options.ExpectedChip;
        if (chip is null && !Chip.TryFromImageId(ext.ChipId, out chip))
        {
            return state.Fail(ImageCheck.ChipId, ImageHeader.Size + ExtendedImageHeader.ChipIdOffset, $"unknown chip id 0x{ext.ChipId:x4}");
        }

        state.Chip = chip;
        if (chip.ImageChipId != ext.ChipId)
        {
            return state.Fail(ImageCheck.ChipId, ImageHeader.Size + ExtendedImageHeader.ChipIdOffset,
                $"mismatch chip ID, expected {chip.ImageChipId?.ToString() ?? "none"} ({chip.Name}), found {ext.ChipId}");
        }

        if (options.ChipRevision is { } revision)
        {
            if (ext.MinChipRevisionFull > revision)
            {
                return state.Fail(ImageCheck.ChipRevision, ImageHeader.Size + ExtendedImageHeader.MinChipRevisionFullOffset,
                    $"chip revision check failed. Required >= v{ext.MinChipRevisionFull / 100}.{ext.MinChipRevisionFull % 100}, found v{revision / 100}.{revision % 100}");
            }

            bool maxSet = ext.MaxChipRevisionFull is not 0 and not 0xFFFF;
            if (!options.IsBootloader && maxSet && revision > ext.MaxChipRevisionFull)
            {
                return state.Fail(ImageCheck.ChipRevision, ImageHeader.Size + ExtendedImageHeader.MaxChipRevisionFullOffset,
                    $"chip revision check failed. Required <= v{ext.MaxChipRevisionFull / 100}.{ext.MaxChipRevisionFull % 100}, found v{revision / 100}.{revision % 100}");
            }
        }

        if (state.Header.Value.SegmentCount > 16)
        {
            return state.Fail(ImageCheck.SegmentCount, ImageHeader.SegmentCountOffset,
                $"segment count {state.Header.Value.SegmentCount} exceeds max 16");
        }

        long maxSegmentLength = chip == Chip.Esp32S3 || chip == Chip.Esp32C5 || chip == Chip.Esp32C61 || chip == Chip.Esp32P4
            ? uint.MaxValue
            : MaxSegmentLength;
        bool needAppDescription = !options.IsBootloader && (options.RequireAppDescription || chip.MmuPageSizeConfigurable);
        int mmuPageSize = options.MmuPageSize ?? DefaultMmuPageSize;
        byte checksum = ImageChecksum.Seed;
        long position = header.Length;
        var segments = new List<ImageSegment>(state.Header.Value.SegmentCount);
        Span<byte> segmentHeader = stackalloc byte[ImageSegment.HeaderSize];
        Span<byte> descriptionBytes = stackalloc byte[AppDescription.Size];
        for (int i = 0; i < state.Header.Value.SegmentCount; i++)
        {
            got = ReadExact(ref source, segmentHeader);
            if (got < segmentHeader.Length)
            {
                return state.Fail(limit is { } l && position + ImageSegment.HeaderSize > l ? ImageCheck.ImageLength : ImageCheck.Truncated,
                    position + got, $"segment {i}: the segment header at 0x{position:x} is cut off after {got} bytes");
            }

            sha.AppendData(segmentHeader);
            var (load, length) = SegmentHeader.Read(segmentHeader);
            var segment = new ImageSegment(i, load, length, position);
            long dataOffset = segment.DataOffset;
            if ((length & 3) != 0 || length >= maxSegmentLength)
            {
                return state.Fail(ImageCheck.SegmentLength, position + 4, $"segment {i}: invalid segment length 0x{length:x}");
            }

            if (limit is { } max && dataOffset + length > max)
            {
                return state.Fail(ImageCheck.ImageLength, position + 4,
                    $"segment {i} (0x{length:x} bytes at 0x{dataOffset:x}) ends at 0x{dataOffset + length:x}, past the available 0x{max:x} bytes");
            }

            int headBytes = 0;
            if (i == 0 && !options.IsBootloader)
            {
                // The description starts segment 0; take its bytes now (the hash and XOR still see them once, below).
                headBytes = (int)Math.Min(length, AppDescription.Size);
                got = ReadExact(ref source, descriptionBytes[..headBytes]);
                if (got < headBytes)
                {
                    return state.Fail(ImageCheck.Truncated, dataOffset + got, $"segment 0 data is cut off after {got} bytes");
                }

                var head = descriptionBytes[..headBytes];
                if (headBytes == AppDescription.Size && AppDescription.HasMagic(head))
                {
                    state.AppDescription = AppDescription.Read(head);
                    if (options.MmuPageSize is null && chip.MmuPageSizeConfigurable && state.AppDescription.MmuPageSizeLog2 is > 0 and < 31)
                    {
                        mmuPageSize = 1 << state.AppDescription.MmuPageSizeLog2;
                    }
                }
                else if (needAppDescription)
                {
                    return state.Fail(ImageCheck.AppDescription, dataOffset, "Failed to fetch app description header: segment 0 does not start with magic 0xABCD5432");
                }

                checksum = ImageChecksum.Update(checksum, head);
                sha.AppendData(head);
            }

            bool mapped = chip.IsMapped(load);
            if (mapped && (options.FlashOffset + dataOffset) % mmuPageSize != load % mmuPageSize)
            {
                return state.Fail(ImageCheck.SegmentMapping, position,
                    $"segment {i} load address 0x{load:x8} doesn't match data 0x{options.FlashOffset + dataOffset:x8} (MMU page size 0x{mmuPageSize:x})");
            }

            if (options.CheckLoadAddresses && !mapped && load >= 0x10000000 && length > 0 && !FitsLoadable(chip, load, length))
            {
                return state.Fail(ImageCheck.LoadAddress, position, $"segment {i} 0x{load:x8}-0x{(ulong)load + length:x8} invalid: bad load address range");
            }

            // process_segment_data reads the window from segment 0 whatever its magic (esp_image_format.c).
            if (i == 0 && headBytes >= AppDescription.MaxEfuseBlockRevisionOffset + 2 && chip != Chip.Esp32
                && options.EfuseBlockRevision is { } blockRevision)
            {
                ushort minBlock = BinaryPrimitives.ReadUInt16LittleEndian(descriptionBytes[AppDescription.MinEfuseBlockRevisionOffset..]);
                ushort maxBlock = BinaryPrimitives.ReadUInt16LittleEndian(descriptionBytes[AppDescription.MaxEfuseBlockRevisionOffset..]);
                if (minBlock is not 0 and not 0xFFFF && blockRevision < minBlock)
                {
                    return state.Fail(ImageCheck.EfuseBlockRevision, dataOffset + AppDescription.MinEfuseBlockRevisionOffset,
                        $"Image requires efuse blk rev >= v{minBlock / 100}.{minBlock % 100}, but chip is v{blockRevision / 100}.{blockRevision % 100}");
                }

                if (maxBlock is not 0 and not 0xFFFF && blockRevision > maxBlock)
                {
                    return state.Fail(ImageCheck.EfuseBlockRevision, dataOffset + AppDescription.MaxEfuseBlockRevisionOffset,
                        $"Image requires efuse blk rev <= v{maxBlock / 100}.{maxBlock % 100}, but chip is v{blockRevision / 100}.{blockRevision % 100}");
                }
            }

            long remaining = length - headBytes;
            while (remaining > 0)
            {
                var chunk = source.Read((int)Math.Min(remaining, int.MaxValue));
                if (chunk.IsEmpty)
                {
                    return state.Fail(ImageCheck.Truncated, dataOffset + length - remaining,
                        $"segment {i} data is cut off: 0x{remaining:x} of 0x{length:x} bytes missing");
                }

                // L1-sized pieces, hashed first: SHA-256 is compute-bound, so it hides the cache misses
                // of the first touch, and the XOR then reads the piece from L1 almost for free.
                for (int off = 0; off < chunk.Length; off += PieceSize)
                {
                    var piece = chunk.Slice(off, Math.Min(PieceSize, chunk.Length - off));
                    sha.AppendData(piece);
                    checksum = ImageChecksum.Update(checksum, piece);
                }

                remaining -= chunk.Length;
            }

            segments.Add(segment);
            state.Segments = segments;
            position = dataOffset + length;
        }

        // Checksum: padding up to the byte at offset ≡ 15 (mod 16), hashed too (process_checksum).
        long checksumOffset = ImageChecksum.OffsetAfter(position);
        int padLength = (int)(checksumOffset + 1 - position);
        Span<byte> pad = stackalloc byte[16];
        got = ReadExact(ref source, pad[..padLength]);
        if (got < padLength)
        {
            return state.Fail(limit is { } lim && checksumOffset >= lim ? ImageCheck.ImageLength : ImageCheck.Truncated,
                position + got, $"the checksum byte at 0x{checksumOffset:x} is missing");
        }

        sha.AppendData(pad[..padLength]);
        state.StoredChecksum = pad[padLength - 1];
        state.CalculatedChecksum = checksum;
        long imageLength = checksumOffset + 1;
        if (checksum != pad[padLength - 1])
        {
            return state.Fail(ImageCheck.Checksum, checksumOffset, $"Checksum failed. Calculated 0x{checksum:x2} read 0x{pad[padLength - 1]:x2}");
        }

        // process_appended_hash_and_sig: with Secure Boot v2 the signature sector (image end rounded up
        // to 4 KiB, then 4 KiB) must fit as well.
        long hashEnd = ext.HashAppended ? imageLength + ImageDigest.Length : imageLength;
        long paddedEnd = SignatureSector.OffsetAfter(hashEnd);
        long fullLength = options.SecureBootV2 ? paddedEnd + SignatureSector.Size : hashEnd;
        Span<byte> stored = stackalloc byte[ImageDigest.Length];
        int storedLength = ImageDigest.Length;
        if (ext.HashAppended)
        {
            storedLength = ReadExact(ref source, stored);
            if (storedLength < stored.Length)
            {
                if (limit is { } lim2 && hashEnd > lim2)
                {
                    return state.Fail(ImageCheck.ImageLength, imageLength, $"Image length {hashEnd} doesn't fit in partition length {lim2}");
                }

                // Bytes that simply end inside the digest: the bootloader reads the 32 bytes from flash
                // (process_appended_hash_and_sig), and a file written to an erased partition leaves 0xFF
                // there. Reading them so keeps a buffer's verdict equal to the same file's on flash.
                stored[storedLength..].Fill(0xFF);
            }
        }

        if (limit is { } lim3 && fullLength > lim3)
        {
            return state.Fail(ImageCheck.ImageLength, imageLength, $"Image length {fullLength} doesn't fit in partition length {lim3}");
        }

        if (ext.HashAppended)
        {
            var calculated = sha.GetCurrentHash();
            state.Digest = new ImageDigest(stored.ToArray(), calculated, imageLength);
            sha.AppendData(stored);
            imageLength = hashEnd;
            state.ImageLength = imageLength;
            state.Sha256 = sha.GetCurrentHash();

            // Without secure boot, the appended hash is the check (verify_simple_hash; skipped for the
            // bootloader). With Secure Boot v2 the signature's digest, which covers it, takes its place.
            if (!options.SecureBootV2 && !options.IsBootloader && !stored.SequenceEqual(calculated))
            {
                return state.Fail(ImageCheck.Sha256, imageLength - ImageDigest.Length,
                    $"Image hash failed - image is corrupt: expected {Convert.ToHexStringLower(stored)}, calculated {Convert.ToHexStringLower(calculated)}"
                    + (storedLength < ImageDigest.Length ? $" (the data ends {storedLength} bytes into the digest; the rest read as erased flash)" : ""));
            }
        }
        else
        {
            state.ImageLength = imageLength;
            state.Sha256 = sha.GetCurrentHash();
        }

        if (options.SecureBootV2)
        {
            return VerifySignatureSector(ref source, sha, state, imageLength, paddedEnd);
        }

        if (options.ReadSignatureSector && (limit is not { } lim4 || paddedEnd + SignatureSector.Size <= lim4))
        {
            if (ReadPaddingAndSector(ref source, sha, state, imageLength, paddedEnd, out _) is not null)
            {
                // No sector after the image: nothing signed, so no signed-data digest either.
                state.SignedData = null;
            }
        }

        return state.Result();
    }

    // The padding to the 4 KiB boundary (hashed on: the signed data ends there) and the sector after it. Null when both
    // were read (SignedData after the padding, SignatureSector after the sector), else where and why it stopped.
    private static (long At, string Why)? ReadPaddingAndSector<TSource>(ref TSource source, ImageHash sha, State state, long imageEnd, long paddedEnd, out byte[] sector)
        where TSource : IImageSource, allows ref struct
    {
        sector = new byte[SignatureSector.Size];
        long position = imageEnd;
        while (position < paddedEnd)
        {
            var chunk = source.Read((int)(paddedEnd - position));
            if (chunk.IsEmpty)
            {
                return (position, $"the padding before the signature sector at 0x{paddedEnd:x} is cut off");
            }

            sha.AppendData(chunk);
            position += chunk.Length;
        }

        state.SignedData = new SignedDataDigest(sha.GetCurrentHash(), sha.CurrentSha384());
        int got = ReadExact(ref source, sector);
        if (got < sector.Length)
        {
            return (paddedEnd + got, $"the signature sector at 0x{paddedEnd:x} is cut off after {got} bytes");
        }

        state.SignatureSector = SignatureSector.Read(sector);
        state.SignatureBlocks = state.SignatureSector.LeadingBlocks;
        return null;
    }

    // verify_secure_boot_signature: the digest runs on over the padding to the 4 KiB boundary; a signature
    // block must carry that digest. The keys are not known here, so the RSA/ECDSA signature itself is not checked.
    private static ImageVerification VerifySignatureSector<TSource>(ref TSource source, ImageHash sha, State state, long imageEnd, long paddedEnd)
        where TSource : IImageSource, allows ref struct
    {
        if (ReadPaddingAndSector(ref source, sha, state, imageEnd, paddedEnd, out var sector) is { } cut)
        {
            return state.Fail(ImageCheck.Truncated, cut.At, cut.Why);
        }

        var digest = state.SignedData!.Sha256.ToArray();
        var blocks = state.SignatureBlocks;
        state.ImageLength = paddedEnd + SignatureSector.Size;
        sha.AppendData(sector);
        state.Sha256 = sha.GetHashAndReset();

        foreach (var block in blocks)
        {
            // A P-384 block carries the SHA-384 (CONFIG_SECURE_BOOT_ECDSA_KEY_LEN_384_BITS hashes with it instead).
            var expected = block.Version == SignatureBlockV2.VersionEcdsa && block.HashType == SignatureBlockV2.HashTypeSha384 ? state.SignedData.Sha384.Span : digest;
            if (SignatureBlockContents.Decode(block).ImageDigest.Span.SequenceEqual(expected))
            {
                return state.Result();
            }
        }

        return state.Fail(ImageCheck.Signature, paddedEnd,
            blocks.Count == 0
                ? $"no valid Secure Boot v2 signature block at 0x{paddedEnd:x}"
                : $"none of the {blocks.Count} signature block(s) signs the image digest {Convert.ToHexStringLower(digest)}");
    }

    private static bool FitsLoadable(Chip chip, uint load, uint length)
    {
        foreach (var range in chip.LoadableRanges)
        {
            if (range.ContainsRange(load, (ulong)load + length))
            {
                return true;
            }
        }

        return false;
    }

    private sealed class State(ImageVerifyOptions options)
    {
        public ImageHeader? Header;
        public ExtendedImageHeader? ExtendedHeader;
        public Chip? Chip = options.ExpectedChip;
        public AppDescription? AppDescription;
        public IReadOnlyList<ImageSegment> Segments = [];
        public long ImageLength;
        public byte? StoredChecksum;
        public byte? CalculatedChecksum;
        public ImageDigest? Digest;
        public ReadOnlyMemory<byte> Sha256;
        public IReadOnlyList<SignatureBlockV2> SignatureBlocks = [];
        public SignedDataDigest? SignedData;
        public SignatureSector? SignatureSector;

        public ImageVerification Fail(ImageCheck check, long offset, string message) => Result() with
        {
            FailedCheck = check,
            FailureOffset = offset,
            FailureMessage = message,
        };

        public ImageVerification Result() => new()
        {
            Header = Header,
            ExtendedHeader = ExtendedHeader,
            Chip = Chip,
            AppDescription = AppDescription,
            Segments = Segments,
            ImageLength = ImageLength,
            StoredChecksum = StoredChecksum,
            CalculatedChecksum = CalculatedChecksum,
            Digest = Digest,
            Sha256 = Sha256,
            SignatureBlocks = SignatureBlocks,
            SignedData = SignedData,
            SignatureSector = SignatureSector,
        };
    }
}
