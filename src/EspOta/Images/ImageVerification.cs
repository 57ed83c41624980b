namespace EspOta.Images;

/// <summary>The outcome of <see cref="ImageVerifier"/>: valid, or the first failing check with its offset.</summary>
public sealed record ImageVerification
{
    /// <summary>Whether every check passed.</summary>
    public bool IsValid => FailedCheck is null;

    /// <summary>The first check that failed; null when valid.</summary>
    public ImageCheck? FailedCheck { get; internal init; }

    /// <summary>Offset (from the image start) where the failure was found.</summary>
    public long? FailureOffset { get; internal init; }

    /// <summary>What was wrong, expected vs actual.</summary>
    public string? FailureMessage { get; internal init; }

    /// <summary>The common header, when it could be read.</summary>
    public ImageHeader? Header { get; internal init; }

    /// <summary>The extended header, when it could be read.</summary>
    public ExtendedImageHeader? ExtendedHeader { get; internal init; }

    /// <summary>The chip the image is for (the expected chip, or the one its chip id names).</summary>
    public Chip? Chip { get; internal init; }

    /// <summary>The app description at the start of segment 0; null when absent or its magic is wrong.</summary>
    public AppDescription? AppDescription { get; internal init; }

    /// <summary>The segments read before the verification ended (no data kept).</summary>
    public IReadOnlyList<ImageSegment> Segments { get; internal init; } = [];

    /// <summary>Bytes the image occupies, including checksum padding and the digest.</summary>
    public long ImageLength { get; internal init; }

    /// <summary>The checksum byte as stored (when reached).</summary>
    public byte? StoredChecksum { get; internal init; }

    /// <summary>The checksum as calculated (when reached).</summary>
    public byte? CalculatedChecksum { get; internal init; }

    /// <summary>The appended digest and the one calculated over header..checksum, when the image has one and it was reached.</summary>
    public ImageDigest? Digest { get; internal init; }

    /// <summary>The valid Secure Boot v2 signature blocks read (only with <see cref="ImageVerifyOptions.SecureBootV2"/>).</summary>
    public IReadOnlyList<Security.SignatureBlockV2> SignatureBlocks { get; internal init; } = [];

    /// <summary>
    /// With <see cref="ImageVerifyOptions.SecureBootV2"/>: the digest(s) of everything before the signature sector, computed
    /// on the same pass, for <see cref="Security.SignatureVerifier"/>; null when the sector was not reached.
    /// </summary>
    public Security.SignedDataDigest? SignedData { get; internal init; }

    /// <summary>With <see cref="ImageVerifyOptions.SecureBootV2"/>: the signature sector as read (all three slots); null when not reached.</summary>
    public Security.SignatureSector? SignatureSector { get; internal init; }

    /// <summary>SHA-256 of the first <see cref="ImageLength"/> bytes as stored (what <c>esp_partition_get_sha256</c> hashes); empty when the end was not reached.</summary>
    public ReadOnlyMemory<byte> Sha256 { get; internal init; }

    /// <summary>The <c>esp_err_t</c> ESP-IDF's <c>esp_image_verify</c> returns for this outcome.</summary>
    public EspError Error => FailedCheck switch
    {
        null => EspError.Ok,
        ImageCheck.ChipId or ImageCheck.ChipRevision or ImageCheck.AppDescription or ImageCheck.EfuseBlockRevision => EspError.Fail,
        _ => EspError.ImageInvalid,
    };

    /// <inheritdoc />
    public override string ToString() => IsValid
        ? $"valid image, {ImageLength} bytes"
        : $"invalid image: {FailedCheck} at 0x{FailureOffset:x}: {FailureMessage}";
}
