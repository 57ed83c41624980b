namespace EspOta.Server.Signing;

/// <summary>What the signing policy made of one uploaded image.</summary>
/// <param name="Signers">Digests (hex) of every key whose signature block verifies over the image, trusted or not: recorded, so a key trusted later counts.</param>
/// <param name="Reason">A <see cref="SignatureRefusalReason"/> when the upload is refused, else null.</param>
/// <param name="Detail">Says which key(s) and why, for people.</param>
internal sealed record UploadSignatureVerdict(IReadOnlyList<string> Signers, string? Reason, string? Detail)
{
    /// <summary>True when the upload may be stored.</summary>
    public bool IsAccepted => Reason is null;
}
