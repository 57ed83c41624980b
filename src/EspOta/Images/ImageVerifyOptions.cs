namespace EspOta.Images;

/// <summary>What <see cref="ImageVerifier"/> checks an image against.</summary>
public sealed record ImageVerifyOptions
{
    /// <summary>Default options: chip taken from the image, no revision window, app (not bootloader) rules.</summary>
    public static ImageVerifyOptions Default { get; } = new();

    /// <summary>The chip the image must be for (<c>CONFIG_IDF_FIRMWARE_CHIP_ID</c>); null accepts any chip ESP-IDF knows.</summary>
    public Chip? ExpectedChip { get; init; }

    /// <summary>The space the image may occupy (partition size); null = unlimited (for a partition: its size).</summary>
    public long? MaxLength { get; init; }

    /// <summary>The chip's revision (major*100+minor) to check the image's min/max window against; null skips the check.</summary>
    public ushort? ChipRevision { get; init; }

    /// <summary>The chip's eFuse block revision (major*100+minor) to check the app description's window against; null skips the check.</summary>
    public ushort? EfuseBlockRevision { get; init; }

    /// <summary>Verify as a bootloader image: no maximum-revision check, no SHA-256 check (non-secure-boot ESP-IDF), no app description.</summary>
    public bool IsBootloader { get; init; }

    /// <summary>Absolute flash address of the image, for the flash-mapping alignment check (a partition supplies its own).</summary>
    public long FlashOffset { get; init; }

    /// <summary>The MMU page size; null takes it from the app description (<c>mmu_page_size</c>) or 64 KiB.</summary>
    public int? MmuPageSize { get; init; }

    /// <summary>Check that RAM segments load into the chip's DRAM/IRAM/RTC memory, as the bootloader does when loading.</summary>
    public bool CheckLoadAddresses { get; init; }

    /// <summary>
    /// Verify as a Secure Boot v2 device does (<c>CONFIG_SECURE_BOOT_V2_ENABLED</c>): the 4 KiB signature sector after
    /// the image must fit and hold a valid block whose digest is the image's (the RSA/ECDSA signature is not checked);
    /// the appended SHA-256 is then not compared on its own, and <see cref="ImageVerification.ImageLength"/> includes the sector.
    /// </summary>
    public bool SecureBootV2 { get; init; }

    /// <summary>
    /// With <see cref="SecureBootV2"/> or <see cref="ReadSignatureSector"/>: also compute the SHA-384 of the signed data on
    /// the same pass (ECDSA P-384 devices).
    /// </summary>
    public bool SignedDataSha384 { get; init; }

    /// <summary>
    /// Without <see cref="SecureBootV2"/>: once the image has verified, go on over the padding to 4 KiB and read the
    /// Secure Boot v2 signature sector after it into <see cref="ImageVerification.SignatureSector"/> and
    /// <see cref="ImageVerification.SignedData"/>, on the same pass. The verdict, length and SHA-256 stay the image's: a
    /// missing, cut-off or unfitting sector only leaves those two null (a signing policy judges them, not this check).
    /// </summary>
    public bool ReadSignatureSector { get; init; }

    /// <summary>Fail when segment 0 does not start with an <c>esp_app_desc_t</c> (always required on MMU-page-size-configurable chips).</summary>
    public bool RequireAppDescription { get; init; }
}
