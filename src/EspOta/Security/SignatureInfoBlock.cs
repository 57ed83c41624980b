namespace EspOta.Security;

/// <summary>One block as <c>espsecure.py signature_info_v2</c> reports it.</summary>
/// <param name="Index">Slot 0, 1 or 2.</param>
/// <param name="Block">The block.</param>
/// <param name="Contents">Its decoded body.</param>
/// <param name="KeyDigest">The public key digest printed for it (null when the stored image digest does not match, where the tool stops).</param>
/// <param name="DigestMatches">Whether the stored image digest equals the digest of the signed data.</param>
public sealed record SignatureInfoBlock(int Index, SignatureBlockV2 Block, SignatureBlockContents Contents, SecureBootKeyDigest? KeyDigest, bool DigestMatches)
{
    /// <summary>"RSA" or "ECDSA", as the tool names the block type.</summary>
    public string KeyType => Block.Version == SignatureBlockV2.VersionRsa ? "RSA" : "ECDSA";
}
