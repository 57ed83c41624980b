namespace EspOta.Security;

/// <summary>A signed image as a check sees it: its signature sector and the digest(s) of the data before it.</summary>
/// <param name="Sector">The signature sector.</param>
/// <param name="Digest">The digest(s) of the signed data.</param>
public sealed record SignedImageRegion(SignatureSector Sector, SignedDataDigest Digest)
{
    /// <summary>The region of a signed file (its last 4 KiB are the sector).</summary>
    /// <exception cref="SignatureException">Not a multiple of 4096 bytes.</exception>
    public static SignedImageRegion FromSignedFile(ReadOnlySpan<byte> file)
    {
        var sector = SignatureSector.ReadFromSignedFile(file);
        return new SignedImageRegion(sector, SignedDataDigest.Compute(file[..^SignatureSector.Size]));
    }
}
