using System.Buffers.Binary;

namespace EspOta.Security;

/// <summary>
/// The on-flash Secure Boot v2 signature block, <c>ets_secure_boot_sig_block_t</c> (1216 bytes; the RSA
/// and ECDSA layouts share the frame: magic, version, hash type, a 1192-byte body, CRC-32, 16 padding
/// bytes). The body is kept verbatim so that write(read(x)) == x; <see cref="SignatureBlockContents"/>
/// decodes it.
/// </summary>
/// <param name="Magic">Byte 0, 0xE7 in a real block.</param>
/// <param name="Version">Byte 1: 2 = RSA-3072, 3 = ECDSA.</param>
/// <param name="HashType">Byte 2: for ECDSA 0 = SHA-256, 1 = SHA-384; 0 for RSA.</param>
/// <param name="Reserved">Byte 3 (0).</param>
/// <param name="Body">Bytes 4..1195: image digest, key and signature.</param>
/// <param name="Crc">Bytes 1196..1199: <c>esp_rom_crc32_le(0, block, 1196)</c> (= zlib.crc32).</param>
/// <param name="Padding">Bytes 1200..1215 (zeros as espsecure writes them; not covered by the CRC).</param>
public readonly record struct SignatureBlockV2(
    byte Magic, byte Version, byte HashType, byte Reserved, ReadOnlyMemory<byte> Body, uint Crc, ReadOnlyMemory<byte> Padding)
{
    /// <summary>Size of one block.</summary>
    public const int Size = 1216;

    /// <summary>Bytes covered by the CRC (<c>CRC_SIGN_BLOCK_LEN</c>).</summary>
    public const int CrcCoveredLength = 1196;

    /// <summary><c>ETS_SECURE_BOOT_V2_SIGNATURE_MAGIC</c>.</summary>
    public const byte MagicByte = 0xE7;

    /// <summary>Version byte of an RSA-3072 block.</summary>
    public const byte VersionRsa = 2;

    /// <summary>Version byte of an ECDSA block.</summary>
    public const byte VersionEcdsa = 3;

    /// <summary>Hash type byte of an ECDSA P-384 block (SHA-384).</summary>
    public const byte HashTypeSha384 = 1;

    internal const int MagicOffset = 0;
    internal const int VersionOffset = MagicOffset + 1;
    internal const int HashTypeOffset = VersionOffset + 1;
    internal const int ReservedOffset = HashTypeOffset + 1;
    internal const int BodyOffset = ReservedOffset + 1;
    internal const int BodyLength = CrcCoveredLength - BodyOffset;
    internal const int CrcOffset = BodyOffset + BodyLength;
    internal const int PaddingOffset = CrcOffset + 4;
    internal const int PaddingLength = Size - PaddingOffset;

    // RSA-3072 (ets_rsa_pubkey_t and the signature after the 32-byte digest).
    internal const int DigestOffset = BodyOffset;
    internal const int RsaModulusOffset = DigestOffset + 32;
    internal const int RsaLength = 384;
    internal const int RsaExponentOffset = RsaModulusOffset + RsaLength;
    internal const int RsaRInvOffset = RsaExponentOffset + 4;
    internal const int RsaMDashOffset = RsaRInvOffset + RsaLength;
    internal const int RsaSignatureOffset = RsaMDashOffset + 4;
    internal const int RsaKeyLength = RsaSignatureOffset - RsaModulusOffset;

    // ECDSA: curve id, then a point field and an (r, s) field; 64 bytes each for P-192/P-256, 96 for P-384.
    internal const int EcdsaCurveOffset256 = DigestOffset + 32;
    internal const int EcdsaCurveOffset384 = DigestOffset + 48;

    /// <summary>Decodes the 1216 bytes at the start of <paramref name="data"/>.</summary>
    /// <exception cref="ArgumentException"><paramref name="data"/> is shorter than <see cref="Size"/>.</exception>
    public static SignatureBlockV2 Read(ReadOnlySpan<byte> data)
    {
        if (data.Length < Size)
        {
            throw new ArgumentException($"a signature block needs {Size} bytes, got {data.Length}", nameof(data));
        }

        return new SignatureBlockV2(
            data[MagicOffset],
            data[VersionOffset],
            data[HashTypeOffset],
            data[ReservedOffset],
            data.Slice(BodyOffset, BodyLength).ToArray(),
            BinaryPrimitives.ReadUInt32LittleEndian(data[CrcOffset..]),
            data.Slice(PaddingOffset, PaddingLength).ToArray());
    }

    /// <summary>Writes the 1216 bytes to the start of <paramref name="destination"/>.</summary>
    /// <exception cref="ArgumentException">The destination is too short or a field has the wrong length.</exception>
    public void WriteTo(Span<byte> destination)
    {
        if (destination.Length < Size)
        {
            throw new ArgumentException($"a signature block needs {Size} bytes, got {destination.Length}", nameof(destination));
        }

        if (Body.Length != BodyLength || Padding.Length != PaddingLength)
        {
            throw new ArgumentException($"body must be {BodyLength} bytes and padding {PaddingLength}, got {Body.Length} and {Padding.Length}");
        }

        destination[MagicOffset] = Magic;
        destination[VersionOffset] = Version;
        destination[HashTypeOffset] = HashType;
        destination[ReservedOffset] = Reserved;
        Body.Span.CopyTo(destination[BodyOffset..]);
        BinaryPrimitives.WriteUInt32LittleEndian(destination[CrcOffset..], Crc);
        Padding.Span.CopyTo(destination[PaddingOffset..]);
    }

    /// <summary>The 1216 bytes.</summary>
    public byte[] ToArray()
    {
        var bytes = new byte[Size];
        WriteTo(bytes);
        return bytes;
    }

    /// <summary>CRC-32 of the first 1196 bytes as they are now.</summary>
    public uint CalculateCrc()
    {
        Span<byte> head = stackalloc byte[BodyOffset];
        head[MagicOffset] = Magic;
        head[VersionOffset] = Version;
        head[HashTypeOffset] = HashType;
        head[ReservedOffset] = Reserved;
        return Crc32.Append(Crc32.Compute(head), Body.Span);
    }

    /// <summary>True when the stored CRC matches the first 1196 bytes.</summary>
    public bool HasValidCrc => Crc == CalculateCrc();

    /// <summary>
    /// espsecure's <c>validate_signature_block</c>: magic 0xE7, version 2 or 3 and a matching CRC. (A device
    /// additionally demands its own scheme and curve; see <see cref="SignatureVerifier"/>.)
    /// </summary>
    public bool IsWellFormed => Magic == MagicByte && Version is VersionRsa or VersionEcdsa && HasValidCrc;

    /// <summary>The same block with <see cref="Crc"/> recomputed.</summary>
    public SignatureBlockV2 WithCrc() => this with { Crc = CalculateCrc() };
}
