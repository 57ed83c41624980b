namespace EspOta.Delta;

/// <summary>
/// Suffix arrays by induced sorting (SA-IS, Nong, Zhang and Chan 2009): linear time, one int per byte
/// plus the type bits. Written for the patch creator's bsdiff search; no suffix-array package exists in
/// the allowed NuGet set.
/// </summary>
internal static class SuffixArray
{
    /// <summary>
    /// The suffix array of <paramref name="text"/> with the empty suffix first, as bsdiff expects:
    /// <c>n + 1</c> entries, entry 0 is <c>n</c>, then the start of every suffix in lexicographic order.
    /// </summary>
    public static int[] Build(ReadOnlySpan<byte> text)
    {
        int n = text.Length + 1;
        var t = new int[n];
        for (int i = 0; i < text.Length; i++)
        {
            t[i] = text[i] + 1;
        }

        // t[n - 1] = 0: a sentinel smaller than every byte, so the empty suffix sorts first.
        var sa = new int[n];
        Sort(t, sa, 257);
        return sa;
    }

    private static void Sort(ReadOnlySpan<int> t, Span<int> sa, int alphabet)
    {
        int n = t.Length;
        if (n == 1)
        {
            sa[0] = 0;
            return;
        }

        // true = S-type (smaller than the suffix after it), false = L-type.
        var stype = new bool[n];
        stype[n - 1] = true;
        for (int i = n - 2; i >= 0; i--)
        {
            stype[i] = t[i] < t[i + 1] || (t[i] == t[i + 1] && stype[i + 1]);
        }

        var counts = new int[alphabet];
        foreach (int c in t)
        {
            counts[c]++;
        }

        var bucket = new int[alphabet];

        // Step 1: LMS positions at their bucket ends, then induce to sort the LMS substrings.
        sa.Fill(-1);
        BucketEnds(counts, bucket);
        for (int i = 1; i < n; i++)
        {
            if (IsLms(stype, i))
            {
                sa[--bucket[t[i]]] = i;
            }
        }

        InduceL(t, sa, stype, counts, bucket);
        InduceS(t, sa, stype, counts, bucket);

        // Step 2: the sorted LMS substrings, named by equality, form a shorter string.
        int lmsCount = 0;
        for (int i = 0; i < n; i++)
        {
            if (IsLms(stype, sa[i]))
            {
                sa[lmsCount++] = sa[i];
            }
        }

        sa[lmsCount..].Fill(-1);
        int names = 0;
        int previous = -1;
        for (int i = 0; i < lmsCount; i++)
        {
            int position = sa[i];
            if (previous < 0 || !SameLmsSubstring(t, stype, position, previous))
            {
                names++;
                previous = position;
            }

            sa[lmsCount + (position >> 1)] = names - 1;
        }

        for (int i = n - 1, j = n - 1; i >= lmsCount; i--)
        {
            if (sa[i] >= 0)
            {
                sa[j--] = sa[i];
            }
        }

        // Step 3: sort the reduced string (recursively unless every name is unique).
        var reduced = sa[(n - lmsCount)..];
        var reducedSa = sa[..lmsCount];
        if (names < lmsCount)
        {
            Sort(reduced, reducedSa, names);
        }
        else
        {
            for (int i = 0; i < lmsCount; i++)
            {
                reducedSa[reduced[i]] = i;
            }
        }

        // Step 4: place the LMS suffixes in their final order, then induce everything else.
        for (int i = 1, j = 0; i < n; i++)
        {
            if (IsLms(stype, i))
            {
                reduced[j++] = i;
            }
        }

        for (int i = 0; i < lmsCount; i++)
        {
            reducedSa[i] = reduced[reducedSa[i]];
        }

        sa[lmsCount..].Fill(-1);
        BucketEnds(counts, bucket);
        for (int i = lmsCount - 1; i >= 0; i--)
        {
            int position = sa[i];
            sa[i] = -1;
            sa[--bucket[t[position]]] = position;
        }

        InduceL(t, sa, stype, counts, bucket);
        InduceS(t, sa, stype, counts, bucket);
    }

    private static bool IsLms(bool[] stype, int i) => i > 0 && stype[i] && !stype[i - 1];

    private static bool SameLmsSubstring(ReadOnlySpan<int> t, bool[] stype, int a, int b)
    {
        for (int d = 0; ; d++)
        {
            if (t[a + d] != t[b + d] || stype[a + d] != stype[b + d])
            {
                return false;
            }

            if (d > 0 && (IsLms(stype, a + d) || IsLms(stype, b + d)))
            {
                return IsLms(stype, a + d) && IsLms(stype, b + d);
            }
        }
    }

    private static void BucketStarts(int[] counts, int[] bucket)
    {
        int sum = 0;
        for (int c = 0; c < counts.Length; c++)
        {
            bucket[c] = sum;
            sum += counts[c];
        }
    }

    private static void BucketEnds(int[] counts, int[] bucket)
    {
        int sum = 0;
        for (int c = 0; c < counts.Length; c++)
        {
            sum += counts[c];
            bucket[c] = sum;
        }
    }

    private static void InduceL(ReadOnlySpan<int> t, Span<int> sa, bool[] stype, int[] counts, int[] bucket)
    {
        BucketStarts(counts, bucket);
        for (int i = 0; i < sa.Length; i++)
        {
            int j = sa[i] - 1;
            if (j >= 0 && !stype[j])
            {
                sa[bucket[t[j]]++] = j;
            }
        }
    }

    private static void InduceS(ReadOnlySpan<int> t, Span<int> sa, bool[] stype, int[] counts, int[] bucket)
    {
        BucketEnds(counts, bucket);
        for (int i = sa.Length - 1; i >= 0; i--)
        {
            int j = sa[i] - 1;
            if (j >= 0 && stype[j])
            {
                sa[--bucket[t[j]]] = j;
            }
        }
    }
}
