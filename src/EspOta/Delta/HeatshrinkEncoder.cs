namespace EspOta.Delta;

/// <summary>
/// A heatshrink LZSS encoder (the bit stream heatshrink's decoder reads: tag 1 + 8-bit literal, or tag 0
/// + window-bits (distance − 1) + lookahead-bits (length − 1), MSB first, zero-padded). Unlike
/// heatshrink's own greedy encoder it parses optimally: every back-reference costs the same number of
/// bits, so the cheapest split of the input into literals and matches is found exactly by dynamic
/// programming over the longest match at each position.
/// </summary>
public static class HeatshrinkEncoder
{
    /// <summary>Compresses <paramref name="data"/> (without detools' one-byte parameter header).</summary>
    public static byte[] Compress(ReadOnlySpan<byte> data, HeatshrinkParameters parameters)
    {
        if (!parameters.IsSupported)
        {
            throw new ArgumentOutOfRangeException(nameof(parameters), parameters, "heatshrink supports windows of 4..15 bits and a lookahead of 3 bits up to the window minus one");
        }

        int n = data.Length;
        int window = 1 << parameters.WindowBits;
        int maxLength = 1 << parameters.LookaheadBits;
        int backrefBits = 1 + parameters.WindowBits + parameters.LookaheadBits;
        const int LiteralBits = 9;

        // The longest match (length >= 2) within the window before each position, nearest first. The
        // decoder's window starts zero-filled, so the stream may also refer to a window of zeros before
        // its first byte: the search runs over that prefix followed by the data.
        var text = new byte[window + n];
        data.CopyTo(text.AsSpan(window));
        var matchLength = new int[n];
        var matchDistance = new int[n];
        var head = new int[1 << 16];
        Array.Fill(head, -1);
        var previous = new int[text.Length];
        for (int i = 0; i + 1 < text.Length; i++)
        {
            int key = (text[i] << 8) | text[i + 1];
            if (i >= window)
            {
                int limit = Math.Min(maxLength, text.Length - i);
                int best = 0;
                int bestDistance = 0;
                var here = text.AsSpan(i, limit);
                for (int candidate = head[key]; candidate >= 0 && i - candidate <= window; candidate = previous[candidate])
                {
                    int length = 2 + text.AsSpan(candidate + 2).CommonPrefixLength(here[2..]);
                    if (length > best)
                    {
                        best = length;
                        bestDistance = i - candidate;
                        if (best >= limit)
                        {
                            break;
                        }
                    }
                }

                if (best >= 2)
                {
                    matchLength[i - window] = Math.Min(best, limit);
                    matchDistance[i - window] = bestDistance;
                }
            }

            previous[i] = head[key];
            head[key] = i;
        }

        // Cheapest encoding of each suffix.
        var cost = new long[n + 1];
        var choice = new int[n];
        for (int i = n - 1; i >= 0; i--)
        {
            long best = LiteralBits + cost[i + 1];
            int pick = 0;
            for (int length = 2; length <= matchLength[i]; length++)
            {
                long c = backrefBits + cost[i + length];
                if (c < best)
                {
                    best = c;
                    pick = length;
                }
            }

            cost[i] = best;
            choice[i] = pick;
        }

        var writer = new BitWriter((int)((cost[0] + 7) / 8));
        for (int i = 0; i < n;)
        {
            if (choice[i] == 0)
            {
                writer.Write(1, 1);
                writer.Write(data[i], 8);
                i++;
            }
            else
            {
                writer.Write(0, 1);
                writer.Write(matchDistance[i] - 1, parameters.WindowBits);
                writer.Write(choice[i] - 1, parameters.LookaheadBits);
                i += choice[i];
            }
        }

        return writer.ToArray();
    }

    private sealed class BitWriter(int capacity)
    {
        private readonly MemoryStream _bytes = new(capacity);
        private int _current;
        private int _used;

        public void Write(int value, int bits)
        {
            for (int b = bits - 1; b >= 0; b--)
            {
                _current = (_current << 1) | ((value >> b) & 1);
                if (++_used == 8)
                {
                    _bytes.WriteByte((byte)_current);
                    _current = 0;
                    _used = 0;
                }
            }
        }

        public byte[] ToArray()
        {
            if (_used > 0)
            {
                _bytes.WriteByte((byte)(_current << (8 - _used)));
                _current = 0;
                _used = 0;
            }

            return _bytes.ToArray();
        }
    }
}
