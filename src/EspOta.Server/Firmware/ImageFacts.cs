using EspOta.Images;

namespace EspOta.Server.Firmware;

/// <summary>What the server learns from an uploaded file before accepting it.</summary>
internal sealed record ImageFacts(string? ProblemType, string? Detail, Chip? Chip, AppDescription? App, ImageVerification? Verification)
{
    public bool IsAcceptable => ProblemType is null;

    /// <summary>The signature sector after the image and the digest of the data it signs, when inspected with them and present.</summary>
    public EspOta.Security.SignedImageRegion? Signatures =>
        Verification is { SignatureSector: { } sector, SignedData: { } digest } ? new EspOta.Security.SignedImageRegion(sector, digest) : null;
}
