using System.Numerics;
using System.Runtime.InteropServices;

namespace EspOta.Images;

/// <summary>
/// The image checksum: XOR of every segment data byte, seeded with 0xEF (<c>ESP_ROM_CHECKSUM_INITIAL</c>
/// in <c>esp_image_format.c</c>, <c>ESP_CHECKSUM_MAGIC</c> in esptool). The byte sits at the file
/// offset ≡ 15 (mod 16) after the last segment.
/// </summary>
public static class ImageChecksum
{
    /// <summary>The seed.</summary>
    public const byte Seed = 0xEF;

    /// <summary>XOR of <paramref name="data"/> folded into <paramref name="checksum"/>.</summary>
    public static byte Update(byte checksum, ReadOnlySpan<byte> data)
    {
        // Wide XOR then fold: XOR is associative, so word-at-a-time (as the bootloader does) gives the same byte.
        ulong acc = 0;
        int i = 0;
        if (Vector.IsHardwareAccelerated && data.Length >= Vector<byte>.Count * 4)
        {
            var vectors = MemoryMarshal.Cast<byte, Vector<ulong>>(data);
            Vector<ulong> v0 = default, v1 = default, v2 = default, v3 = default;
            int k = 0;
            for (; k + 4 <= vectors.Length; k += 4)
            {
                v0 ^= vectors[k];
                v1 ^= vectors[k + 1];
                v2 ^= vectors[k + 2];
                v3 ^= vectors[k + 3];
            }

            for (; k < vectors.Length; k++)
            {
                v0 ^= vectors[k];
            }

            var v = v0 ^ v1 ^ v2 ^ v3;
            for (int j = 0; j < Vector<ulong>.Count; j++)
            {
                acc ^= v[j];
            }

            i = vectors.Length * Vector<byte>.Count;
        }

        var words = MemoryMarshal.Cast<byte, ulong>(data[i..]);
        foreach (var w in words)
        {
            acc ^= w;
        }

        i += words.Length * sizeof(ulong);
        acc ^= acc >> 32;
        acc ^= acc >> 16;
        acc ^= acc >> 8;
        byte result = (byte)(checksum ^ (byte)acc);
        for (; i < data.Length; i++)
        {
            result ^= data[i];
        }

        return result;
    }

    /// <summary>The checksum of <paramref name="data"/> from the seed.</summary>
    public static byte Compute(ReadOnlySpan<byte> data) => Update(Seed, data);

    /// <summary>File offset of the checksum byte when the last segment ends at <paramref name="endOfSegments"/>.</summary>
    public static long OffsetAfter(long endOfSegments) => endOfSegments + (15 - endOfSegments % 16);
}
