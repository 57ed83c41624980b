using System.Security.Cryptography;

namespace EspOta.Security;

/// <summary>
/// The digest(s) of the signed data (everything before the signature sector): SHA-256, and SHA-384 where a
/// P-384 signature needs it. The image verification computes them on its single pass over the image.
/// </summary>
/// <param name="Sha256">SHA-256 of the signed data.</param>
/// <param name="Sha384">SHA-384 of the signed data, or empty when not computed.</param>
public sealed record SignedDataDigest(ReadOnlyMemory<byte> Sha256, ReadOnlyMemory<byte> Sha384)
{
    /// <summary>Hashes <paramref name="signedData"/> (SHA-384 too when <paramref name="withSha384"/>).</summary>
    public static SignedDataDigest Compute(ReadOnlySpan<byte> signedData, bool withSha384 = true) =>
        new(SHA256.HashData(signedData), withSha384 ? SHA384.HashData(signedData) : ReadOnlyMemory<byte>.Empty);

    /// <summary>The digest a scheme signs.</summary>
    /// <exception cref="InvalidOperationException">P-384 asked for but no SHA-384 was computed.</exception>
    public ReadOnlySpan<byte> For(SignatureScheme scheme) => scheme == SignatureScheme.EcdsaP384
        ? (Sha384.IsEmpty ? throw new InvalidOperationException("a P-384 signature needs the SHA-384 of the signed data") : Sha384.Span)
        : Sha256.Span;
}
