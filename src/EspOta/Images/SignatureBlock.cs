using System.Buffers.Binary;

namespace EspOta.Images;

/// <summary>
/// A Secure Boot v2 signature block (1216 bytes; <c>ets_secure_boot_sig_block_t</c>, written by
/// <c>espsecure.py sign_data --version 2</c>). Up to three of them sit in the 4 KiB sector that follows
/// the image rounded up to 4 KiB.
/// </summary>
public sealed record SignatureBlock
{
    /// <summary>Size of one block.</summary>
    public const int Size = 1216;

    /// <summary>Bytes covered by the CRC-32.</summary>
    public const int CrcCoveredLength = 1196;

    /// <summary>Block magic byte.</summary>
    public const byte MagicByte = 0xE7;

    /// <summary>Version byte of an RSA-3072 block.</summary>
    public const byte VersionRsa = 2;

    /// <summary>Version byte of an ECDSA block.</summary>
    public const byte VersionEcdsa = 3;

    /// <summary>How many blocks a signature sector holds at most.</summary>
    public const int MaxBlocks = 3;

    /// <summary>Size of the signature sector.</summary>
    public const int SectorSize = 4096;

    internal const int MagicOffset = 0;
    internal const int VersionOffset = MagicOffset + 1;
    internal const int EcdsaShaVersionOffset = VersionOffset + 1;
    internal const int DigestOffset = EcdsaShaVersionOffset + 2;
    internal const int CrcOffset = CrcCoveredLength;

    // RSA-3072 layout after the digest (espsecure generate_rsa_signature_block).
    internal const int RsaModulusOffset = DigestOffset + 32;
    internal const int RsaLength = 384;
    internal const int RsaExponentOffset = RsaModulusOffset + RsaLength;
    internal const int RsaRInvOffset = RsaExponentOffset + 4;
    internal const int RsaMDashOffset = RsaRInvOffset + RsaLength;
    internal const int RsaSignatureOffset = RsaMDashOffset + 4;

    /// <summary>The magic byte as stored.</summary>
    public byte Magic { get; init; }

    /// <summary>Version byte: 2 = RSA-3072, 3 = ECDSA.</summary>
    public byte Version { get; init; }

    /// <summary>For ECDSA blocks, byte 2: 0 = SHA-256, 1 = SHA-384.</summary>
    public byte EcdsaShaVersion { get; init; }

    /// <summary>The image digest the block signs (32 bytes, 48 for ECDSA with SHA-384).</summary>
    public ReadOnlyMemory<byte> ImageDigest { get; init; }

    /// <summary>For ECDSA blocks: the curve id byte (1 = P-192, 2 = P-256, 3 = P-384); null for RSA.</summary>
    public byte? CurveId { get; init; }

    /// <summary>The public key material: RSA modulus (little endian, 384 bytes) or the ECDSA point.</summary>
    public ReadOnlyMemory<byte> PublicKey { get; init; }

    /// <summary>The signature bytes (RSA 384, ECDSA r‖s).</summary>
    public ReadOnlyMemory<byte> Signature { get; init; }

    /// <summary>CRC-32 as stored at byte 1196.</summary>
    public uint StoredCrc { get; init; }

    /// <summary>CRC-32 of the first 1196 bytes.</summary>
    public uint CalculatedCrc { get; init; }

    /// <summary>The whole 1216 bytes.</summary>
    public ReadOnlyMemory<byte> Raw { get; init; }

    /// <summary>espsecure's <c>validate_signature_block</c>: magic 0xE7, version 2 or 3, CRC matches.</summary>
    public bool IsValid => Magic == MagicByte && Version is VersionRsa or VersionEcdsa && StoredCrc == CalculatedCrc;

    /// <summary>"RSA", "ECDSA" or null for an unknown version.</summary>
    public string? Scheme => Version switch { VersionRsa => "RSA", VersionEcdsa => "ECDSA", _ => null };

    /// <summary>Decodes a block from the first <see cref="Size"/> bytes of <paramref name="data"/>.</summary>
    /// <exception cref="ArgumentException"><paramref name="data"/> is shorter than <see cref="Size"/>.</exception>
    public static SignatureBlock Read(ReadOnlySpan<byte> data)
    {
        if (data.Length < Size)
        {
            throw new ArgumentException($"a signature block needs {Size} bytes, got {data.Length}", nameof(data));
        }

        var block = data[..Size];
        byte version = block[VersionOffset];
        byte shaVersion = block[EcdsaShaVersionOffset];
        var result = new SignatureBlock
        {
            Magic = block[MagicOffset],
            Version = version,
            EcdsaShaVersion = version == VersionEcdsa ? shaVersion : (byte)0,
            StoredCrc = BinaryPrimitives.ReadUInt32LittleEndian(block[CrcOffset..]),
            CalculatedCrc = Crc32.Compute(block[..CrcCoveredLength]),
            Raw = block.ToArray(),
        };

        if (version == VersionEcdsa)
        {
            // P-192/P-256: digest 32, curve 1, point 64, r||s 64; P-384 (SHA-384): digest 48, point 96, r||s 96.
            int digestLength = shaVersion == 1 ? 48 : 32;
            int pointLength = shaVersion == 1 ? 96 : 64;
            int curveOffset = DigestOffset + digestLength;
            return result with
            {
                ImageDigest = block.Slice(DigestOffset, digestLength).ToArray(),
                CurveId = block[curveOffset],
                PublicKey = block.Slice(curveOffset + 1, pointLength).ToArray(),
                Signature = block.Slice(curveOffset + 1 + pointLength, pointLength).ToArray(),
            };
        }

        return result with
        {
            ImageDigest = block.Slice(DigestOffset, 32).ToArray(),
            PublicKey = block.Slice(RsaModulusOffset, RsaLength).ToArray(),
            Signature = block.Slice(RsaSignatureOffset, RsaLength).ToArray(),
        };
    }

    /// <summary>
    /// Reads the consecutive valid blocks at the start of a signature sector (at most
    /// <see cref="MaxBlocks"/>; a block cut short by the end of <paramref name="sector"/> counts as invalid).
    /// </summary>
    public static IReadOnlyList<SignatureBlock> ReadValidBlocks(ReadOnlySpan<byte> sector)
    {
        var blocks = new List<SignatureBlock>();
        for (int i = 0; i < MaxBlocks; i++)
        {
            int offset = i * Size;
            if (sector.Length < offset + Size)
            {
                break;
            }

            var block = Read(sector[offset..]);
            if (!block.IsValid)
            {
                break;
            }

            blocks.Add(block);
        }

        return blocks;
    }
}
