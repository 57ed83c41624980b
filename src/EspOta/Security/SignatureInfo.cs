using System.Security.Cryptography;

namespace EspOta.Security;

/// <summary>
/// <c>espsecure.py signature_info_v2</c>: the leading valid blocks of a signed file's last sector and the
/// public key digest of each, stopping at the first absent/invalid block or at a block whose stored image
/// digest does not match (the tool's error).
/// </summary>
/// <param name="Blocks">The blocks reported, in order.</param>
/// <param name="FirstAbsentBlock">The slot where the tool stopped because the block is absent/invalid, or null (3 blocks, or a mismatch).</param>
public sealed record SignatureInfo(IReadOnlyList<SignatureInfoBlock> Blocks, int? FirstAbsentBlock)
{
    /// <summary>The slot whose digest does not match the image, or null.</summary>
    public int? DigestMismatchBlock => Blocks.FirstOrDefault(b => !b.DigestMatches)?.Index;

    /// <summary>Reads the information from a signed file.</summary>
    /// <exception cref="SignatureException">The file is empty or not a multiple of 4096 bytes.</exception>
    public static SignatureInfo Read(ReadOnlySpan<byte> file)
    {
        var sector = SignatureSector.ReadFromSignedFile(file);
        var signed = file[..^SignatureSector.Size];
        byte[]? sha256 = null;
        byte[]? sha384 = null;
        var blocks = new List<SignatureInfoBlock>();
        for (int i = 0; i < SignatureSector.MaxBlocks; i++)
        {
            var block = sector.Slots[i];
            if (!block.IsWellFormed)
            {
                return new SignatureInfo(blocks, i);
            }

            var contents = SignatureBlockContents.Decode(block);
            bool is384 = block.Version == SignatureBlockV2.VersionEcdsa && block.HashType == SignatureBlockV2.HashTypeSha384;
            var actual = is384 ? sha384 ??= SHA384.HashData(signed) : sha256 ??= SHA256.HashData(signed);
            bool matches = contents.ImageDigest.Span.SequenceEqual(actual);
            if (!matches)
            {
                blocks.Add(new SignatureInfoBlock(i, block, contents, null, false));
                return new SignatureInfo(blocks, null);
            }

            blocks.Add(new SignatureInfoBlock(i, block, contents, ToolKeyDigest(block, is384), true));
        }

        return new SignatureInfo(blocks, null);
    }

    // The tool hashes fixed byte ranges of the block (RSA 36..811, P-384 52..148, else 36..100), whatever the
    // curve id says; for a real key that is SecureBootPublicKey.Digest.
    private static SecureBootKeyDigest ToolKeyDigest(SignatureBlockV2 block, bool is384)
    {
        var bytes = block.ToArray();
        return block.Version == SignatureBlockV2.VersionRsa
            ? SecureBootKeyDigest.Of(bytes.AsSpan(SignatureBlockV2.RsaModulusOffset, SignatureBlockV2.RsaKeyLength))
            : is384
                ? SecureBootKeyDigest.Of(bytes.AsSpan(SignatureBlockV2.EcdsaCurveOffset384, 97))
                : SecureBootKeyDigest.Of(bytes.AsSpan(SignatureBlockV2.EcdsaCurveOffset256, 65));
    }
}
