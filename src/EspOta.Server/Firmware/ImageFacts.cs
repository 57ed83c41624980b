using EspOta.Images;

namespace EspOta.Server.Firmware;

/// <summary>What the server learns from an uploaded file before accepting it.</summary>
internal sealed record ImageFacts(string? ProblemType, string? Detail, Chip? Chip, AppDescription? App, ImageVerification? Verification)
{
    public bool IsAcceptable => ProblemType is null;
}
