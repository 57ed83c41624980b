namespace EspOta.Delta;

/// <summary>
/// Colin Percival's bsdiff matching (the algorithm detools' <c>bsdiff.c</c> also runs): scan the new
/// image, find the longest base match for each position by binary search in the base's suffix array,
/// and cut a record wherever a fresh match beats continuing the previous alignment by more than 8
/// bytes; each record's approximate match is extended forwards and backwards and the overlap split
/// where it scores best.
/// </summary>
internal static class BsDiff
{
    public static List<DeltaRecord> Diff(ReadOnlySpan<byte> from, ReadOnlySpan<byte> to)
    {
        var suffixes = SuffixArray.Build(from);
        var records = new List<DeltaRecord>();
        int toSize = to.Length;
        int fromSize = from.Length;
        int scan = 0;
        int length = 0;
        int position = 0;
        int lastScan = 0;
        int lastPosition = 0;
        int lastOffset = 0;

        while (scan < toSize)
        {
            int oldScore = 0;
            scan += length;
            int scoredUpTo = scan;
            for (; scan < toSize; scan++)
            {
                length = LongestMatch(suffixes, from, to[scan..], out position);
                for (; scoredUpTo < scan + length; scoredUpTo++)
                {
                    if (scoredUpTo + lastOffset < fromSize && from[scoredUpTo + lastOffset] == to[scoredUpTo])
                    {
                        oldScore++;
                    }
                }

                if ((length == oldScore && length != 0) || length > oldScore + 8)
                {
                    break;
                }

                if (scan + lastOffset < fromSize && from[scan + lastOffset] == to[scan])
                {
                    oldScore--;
                }
            }

            if (length == oldScore && scan != toSize)
            {
                continue;
            }

            // How far the previous alignment is worth extending forwards ...
            int forward = 0;
            for (int i = 0, same = 0, best = 0; lastScan + i < scan && lastPosition + i < fromSize;)
            {
                if (from[lastPosition + i] == to[lastScan + i])
                {
                    same++;
                }

                i++;
                if (same * 2 - i > best * 2 - forward)
                {
                    best = same;
                    forward = i;
                }
            }

            // ... and the new match backwards.
            int backward = 0;
            if (scan < toSize)
            {
                for (int i = 1, same = 0, best = 0; scan >= lastScan + i && position >= i; i++)
                {
                    if (from[position - i] == to[scan - i])
                    {
                        same++;
                    }

                    if (same * 2 - i > best * 2 - backward)
                    {
                        best = same;
                        backward = i;
                    }
                }
            }

            int overlap = lastScan + forward - (scan - backward);
            if (overlap > 0)
            {
                int score = 0;
                int bestScore = 0;
                int split = 0;
                for (int i = 0; i < overlap; i++)
                {
                    if (to[lastScan + forward - overlap + i] == from[lastPosition + forward - overlap + i])
                    {
                        score++;
                    }

                    if (to[scan - backward + i] == from[position - backward + i])
                    {
                        score--;
                    }

                    if (score > bestScore)
                    {
                        bestScore = score;
                        split = i + 1;
                    }
                }

                forward += split - overlap;
                backward -= split;
            }

            int extraStart = lastScan + forward;
            int extraLength = scan - backward - extraStart;
            records.Add(new DeltaRecord(lastScan, lastPosition, forward, extraLength, position - backward - (lastPosition + forward)));
            lastScan = scan - backward;
            lastPosition = position - backward;
            lastOffset = position - scan;
        }

        return records;
    }

    private static int LongestMatch(int[] suffixes, ReadOnlySpan<byte> from, ReadOnlySpan<byte> to, out int position)
    {
        int low = 0;
        int high = suffixes.Length - 1;
        while (high - low >= 2)
        {
            int middle = low + ((high - low) / 2);
            var suffix = from[suffixes[middle]..];
            int n = Math.Min(suffix.Length, to.Length);
            if (suffix[..n].SequenceCompareTo(to[..n]) < 0)
            {
                low = middle;
            }
            else
            {
                high = middle;
            }
        }

        int a = from[suffixes[low]..].CommonPrefixLength(to);
        int b = from[suffixes[high]..].CommonPrefixLength(to);
        if (a > b)
        {
            position = suffixes[low];
            return a;
        }

        position = suffixes[high];
        return b;
    }
}
