namespace EspOta.Delta;

/// <summary>
/// detools' variable-length size numbers (<c>pack_size</c> in detools <c>bsdiff.c</c>): the first byte
/// carries "more follows" (bit 7), the sign (bit 6) and the lowest six bits; every further byte "more
/// follows" and the next seven bits.
/// </summary>
public static class DetoolsSize
{
    /// <summary>The longest encoding of a 64-bit value.</summary>
    public const int MaxLength = 10;

    /// <summary>Writes <paramref name="value"/> and returns the number of bytes written.</summary>
    public static int Write(long value, Span<byte> destination)
    {
        if (value == 0)
        {
            destination[0] = 0;
            return 1;
        }

        ulong magnitude = value > 0 ? (ulong)value : (ulong)(-(value + 1)) + 1;
        byte first = (byte)(value < 0 ? 0x40 : 0x00);
        first |= (byte)(magnitude & 0x3F);
        magnitude >>= 6;
        int length = 0;
        destination[length++] = (byte)(first | (magnitude != 0 ? 0x80 : 0));
        while (magnitude != 0)
        {
            byte next = (byte)(magnitude & 0x7F);
            magnitude >>= 7;
            destination[length++] = (byte)(next | (magnitude != 0 ? 0x80 : 0));
        }

        return length;
    }

    /// <summary>The encoding of <paramref name="value"/> as a new array.</summary>
    public static byte[] Encode(long value)
    {
        Span<byte> buffer = stackalloc byte[MaxLength];
        return buffer[..Write(value, buffer)].ToArray();
    }

    /// <summary>
    /// Reads one size number from <paramref name="source"/>; false when it ends inside the number.
    /// Sizes too long for a 64-bit value are a <see cref="FormatException"/>.
    /// </summary>
    public static bool TryRead(ReadOnlySpan<byte> source, out long value, out int length)
    {
        value = 0;
        length = 0;
        if (source.IsEmpty)
        {
            return false;
        }

        byte b = source[0];
        bool negative = (b & 0x40) != 0;
        ulong magnitude = (ulong)(b & 0x3F);
        int shift = 6;
        length = 1;
        while ((b & 0x80) != 0)
        {
            if (length >= source.Length)
            {
                return false;
            }

            if (shift > 62)
            {
                throw new FormatException($"detools size number at offset 0 is longer than {MaxLength} bytes");
            }

            b = source[length++];
            magnitude |= (ulong)(b & 0x7F) << shift;
            shift += 7;
        }

        value = negative ? -(long)magnitude : (long)magnitude;
        return true;
    }
}
