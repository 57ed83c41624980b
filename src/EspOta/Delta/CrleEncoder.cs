namespace EspOta.Delta;

/// <summary>
/// CRLE as detools writes it (<c>compression/crle.py</c>): runs of at least six equal bytes become a
/// "repeated" record (kind 1, count, byte), everything between them a "scattered" record (kind 0,
/// length, bytes); lengths are unsigned 7-bit groups. An empty stream is one empty scattered record.
/// </summary>
public static class CrleEncoder
{
    /// <summary>The shortest run written as a repeated record (<c>MINIMUM_REPEATED_SIZE</c>).</summary>
    public const int MinimumRun = 6;

    /// <summary>Compresses <paramref name="data"/>.</summary>
    public static byte[] Compress(ReadOnlySpan<byte> data)
    {
        using var output = new MemoryStream(data.Length + 16);
        if (data.IsEmpty)
        {
            output.WriteByte(0);
            output.WriteByte(0);
            return output.ToArray();
        }

        int start = 0;
        int i = 0;
        while (i < data.Length)
        {
            int run = 1;
            while (i + run < data.Length && data[i + run] == data[i])
            {
                run++;
            }

            if (run < MinimumRun)
            {
                i += run;
                continue;
            }

            if (i > start)
            {
                Record(output, 0, data[start..i]);
            }

            output.WriteByte(1);
            WriteUsize(output, run);
            output.WriteByte(data[i]);
            i += run;
            start = i;
        }

        if (start < data.Length)
        {
            Record(output, 0, data[start..]);
        }

        return output.ToArray();
    }

    private static void Record(MemoryStream output, byte kind, ReadOnlySpan<byte> bytes)
    {
        output.WriteByte(kind);
        WriteUsize(output, bytes.Length);
        output.Write(bytes);
    }

    private static void WriteUsize(MemoryStream output, long value)
    {
        do
        {
            byte b = (byte)(value & 0x7F);
            value >>= 7;
            output.WriteByte((byte)(b | (value != 0 ? 0x80 : 0)));
        }
        while (value != 0);
    }
}
