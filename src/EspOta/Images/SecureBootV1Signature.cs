using System.Buffers.Binary;

namespace EspOta.Images;

/// <summary>
/// A Secure Boot v1 signature appended right after the image digest: a u32 version (0) and a 64-byte
/// ECDSA P-256 signature (<c>esp_secure_boot_sig_block_t</c>). It has no marker, so it is only
/// recognised by its position and the zero version word.
/// </summary>
/// <param name="Version">The version word (0).</param>
/// <param name="Signature">The 64 signature bytes.</param>
/// <param name="FileOffset">Where the block starts.</param>
public sealed record SecureBootV1Signature(uint Version, ReadOnlyMemory<byte> Signature, long FileOffset)
{
    /// <summary>Size on flash.</summary>
    public const int Size = 68;

    /// <summary>Reads a candidate block when <paramref name="trailing"/> (the bytes after the image) starts with one.</summary>
    public static SecureBootV1Signature? TryRead(ReadOnlySpan<byte> trailing, long fileOffset)
    {
        if (trailing.Length < Size)
        {
            return null;
        }

        uint version = BinaryPrimitives.ReadUInt32LittleEndian(trailing);
        var signature = trailing.Slice(4, 64);
        if (version != 0 || !signature.ContainsAnyExcept((byte)0xFF) || !signature.ContainsAnyExcept((byte)0))
        {
            return null;
        }

        return new SecureBootV1Signature(version, signature.ToArray(), fileOffset);
    }
}
