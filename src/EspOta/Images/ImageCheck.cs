namespace EspOta.Images;

/// <summary>The checks <see cref="ImageVerifier"/> makes, in the order <c>esp_image_verify</c> makes them.</summary>
public enum ImageCheck
{
    /// <summary>The bytes end before the image does (header, a segment, the checksum block or the digest).</summary>
    Truncated,
    /// <summary>Byte 0 is not 0xE9 (<c>verify_image_header</c>).</summary>
    Magic,
    /// <summary>The extended header's chip id is not the expected chip's (<c>bootloader_common_check_chip_validity</c>).</summary>
    ChipId,
    /// <summary>The chip revision is outside the image's min/max window.</summary>
    ChipRevision,
    /// <summary>More than 16 segments (<c>ESP_IMAGE_MAX_SEGMENTS</c>).</summary>
    SegmentCount,
    /// <summary>A segment length is not a multiple of 4 or too large (<c>verify_segment_header</c>).</summary>
    SegmentLength,
    /// <summary>The app description is missing where the bootloader needs it (segment 0 on MMU-page-size-configurable chips, or when required).</summary>
    AppDescription,
    /// <summary>A flash-mapped segment's file offset and load address disagree modulo the MMU page size.</summary>
    SegmentMapping,
    /// <summary>A RAM segment would load outside the chip's DRAM/IRAM/RTC memory (<c>verify_load_addresses</c>).</summary>
    LoadAddress,
    /// <summary>The chip's eFuse block revision is outside the app description's min/max window (<c>bootloader_common_check_efuse_blk_validity</c>; not on the ESP32).</summary>
    EfuseBlockRevision,
    /// <summary>The image does not fit in the partition (or the given maximum length).</summary>
    ImageLength,
    /// <summary>The XOR checksum does not match (<c>process_checksum</c>).</summary>
    Checksum,
    /// <summary>The appended SHA-256 does not match (<c>verify_simple_hash</c>).</summary>
    Sha256,
    /// <summary>With Secure Boot v2: no valid signature block carries the image's digest (the signature itself is not checked: no keys).</summary>
    Signature,
}
