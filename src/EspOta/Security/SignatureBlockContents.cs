namespace EspOta.Security;

/// <summary>
/// The decoded body of a signature block: which scheme it claims, the image digest it signs, the public key
/// and the signature field. Decoding never fails; a block whose version or curve is unknown has a null
/// <see cref="Scheme"/> and no key.
/// </summary>
/// <param name="Scheme">RSA-3072 for version 2; for version 3 the curve id's scheme (null when neither).</param>
/// <param name="ImageDigest">The stored image digest (48 bytes for hash type 1, else 32).</param>
/// <param name="PublicKey">The key fields as a key, or null when <paramref name="Scheme"/> is null.</param>
/// <param name="SignatureField">The signature as stored (RSA 384 bytes little-endian; ECDSA r then s little-endian, 64 or 96 bytes).</param>
public sealed record SignatureBlockContents(
    SignatureScheme? Scheme, ReadOnlyMemory<byte> ImageDigest, SecureBootPublicKey? PublicKey, ReadOnlyMemory<byte> SignatureField)
{
    /// <summary>Decodes <paramref name="block"/>'s body by its version and hash type bytes (as espsecure and ESP-IDF lay it out).</summary>
    public static SignatureBlockContents Decode(SignatureBlockV2 block)
    {
        var body = block.Body.Span;
        if (block.Version == SignatureBlockV2.VersionEcdsa)
        {
            bool sha384 = block.HashType == SignatureBlockV2.HashTypeSha384;
            int digestLength = sha384 ? 48 : 32;
            int fieldLength = sha384 ? 96 : 64;
            byte curveId = body[digestLength];
            var scheme = SignatureSchemes.FromCurveId(curveId);

            // A curve that does not fit the field size (P-384 with hash type 0 or the other way) is no key.
            if (scheme is { } s && (s == SignatureScheme.EcdsaP384) != sha384)
            {
                scheme = null;
            }

            return new SignatureBlockContents(
                scheme,
                body[..digestLength].ToArray(),
                scheme is { } known ? SecureBootPublicKey.FromFields(known, body[digestLength..]) : null,
                body.Slice(digestLength + 1 + fieldLength, fieldLength).ToArray());
        }

        bool rsa = block.Version == SignatureBlockV2.VersionRsa;
        return new SignatureBlockContents(
            rsa ? SignatureScheme.Rsa3072 : null,
            body[..32].ToArray(),
            rsa ? SecureBootPublicKey.FromFields(SignatureScheme.Rsa3072, body[32..]) : null,
            body.Slice(32 + SignatureBlockV2.RsaKeyLength, SignatureBlockV2.RsaLength).ToArray());
    }
}
