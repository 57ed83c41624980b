using System.Buffers.Binary;

namespace EspOta.Delta;

/// <summary>
/// The 64-byte header <c>esp_delta_ota_patch_gen.py</c> puts in front of the detools patch and the
/// https_delta_ota example checks before feeding the rest to <c>esp_delta_ota_feed_patch</c>: the magic,
/// the base image's appended SHA-256 (what <c>esp_partition_get_sha256()</c> returns for the running
/// app, esptool's "Validation Hash") and 28 reserved bytes.
/// </summary>
public readonly record struct DeltaOtaHeader(uint Magic, ReadOnlyMemory<byte> BaseSha256, ReadOnlyMemory<byte> Reserved)
{
    /// <summary>The header's length in bytes (<c>PATCH_HEADER_SIZE</c> in the example's <c>main.c</c>).</summary>
    public const int Size = ReservedOffset + ReservedLength;

    /// <summary><c>esp_delta_ota_magic</c>.</summary>
    public const uint ExpectedMagic = 0xFCCDDE10;

    private const int MagicOffset = 0;
    private const int MagicLength = 4;
    private const int Sha256Offset = MagicOffset + MagicLength;
    private const int Sha256Length = 32;
    private const int ReservedOffset = Sha256Offset + Sha256Length;
    private const int ReservedLength = 28;

    /// <summary>Whether the magic is the one the example requires.</summary>
    public bool HasValidMagic => Magic == ExpectedMagic;

    /// <summary>A header for a patch made from the base image whose appended SHA-256 is <paramref name="baseSha256"/>.</summary>
    public static DeltaOtaHeader For(ReadOnlySpan<byte> baseSha256)
    {
        if (baseSha256.Length != Sha256Length)
        {
            throw new ArgumentException($"a SHA-256 has {Sha256Length} bytes, not {baseSha256.Length}", nameof(baseSha256));
        }

        return new DeltaOtaHeader(ExpectedMagic, baseSha256.ToArray(), new byte[ReservedLength]);
    }

    /// <summary>Decodes the first 64 bytes of <paramref name="source"/> (the magic is not judged here).</summary>
    public static DeltaOtaHeader Read(ReadOnlySpan<byte> source)
    {
        if (source.Length < Size)
        {
            throw new DeltaHeaderException(DeltaHeaderProblem.Truncated, $"an esp_delta_ota patch header has {Size} bytes, only {source.Length} present");
        }

        return new DeltaOtaHeader(
            BinaryPrimitives.ReadUInt32LittleEndian(source[MagicOffset..]),
            source.Slice(Sha256Offset, Sha256Length).ToArray(),
            source.Slice(ReservedOffset, ReservedLength).ToArray());
    }

    /// <summary>Encodes the header into the first 64 bytes of <paramref name="destination"/>.</summary>
    public void WriteTo(Span<byte> destination)
    {
        if (destination.Length < Size)
        {
            throw new ArgumentException($"the header needs {Size} bytes", nameof(destination));
        }

        BinaryPrimitives.WriteUInt32LittleEndian(destination[MagicOffset..], Magic);
        destination.Slice(Sha256Offset, Sha256Length).Clear();
        BaseSha256.Span[..Math.Min(Sha256Length, BaseSha256.Length)].CopyTo(destination[Sha256Offset..]);
        destination.Slice(ReservedOffset, ReservedLength).Clear();
        Reserved.Span[..Math.Min(ReservedLength, Reserved.Length)].CopyTo(destination[ReservedOffset..]);
    }

    /// <summary>
    /// What the example's <c>verify_patch_header</c> does: the magic first, then the base hash against
    /// <paramref name="runningSha256"/>; throws <see cref="DeltaHeaderException"/> when it would refuse.
    /// </summary>
    public void Verify(ReadOnlySpan<byte> runningSha256)
    {
        if (!HasValidMagic)
        {
            throw new DeltaHeaderException(DeltaHeaderProblem.BadMagic, $"invalid magic word in patch: 0x{Magic:x8}, expected 0x{ExpectedMagic:x8}");
        }

        if (!BaseSha256.Span.SequenceEqual(runningSha256))
        {
            throw new DeltaHeaderException(
                DeltaHeaderProblem.BaseMismatch,
                $"the patch is for the base image with SHA-256 {Convert.ToHexStringLower(BaseSha256.Span)}, the running image has {Convert.ToHexStringLower(runningSha256)}");
        }
    }
}
