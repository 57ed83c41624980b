using System.Numerics;

namespace EspOta.Flash;

/// <summary>The NOR program rule shared by the in-memory and file flashes.</summary>
internal static class NorProgram
{
    /// <summary>
    /// Applies <c>target &amp;= data</c>. With <paramref name="strict"/>, first checks that no bit would
    /// go from 0 to 1 and throws without changing anything if one would.
    /// </summary>
    public static void Apply(Span<byte> target, ReadOnlySpan<byte> data, long address, bool strict)
    {
        if (strict && !IsSubsetOf(data, target))
        {
            for (int i = 0; i < data.Length; i++)
            {
                if ((data[i] & ~target[i]) != 0)
                {
                    throw new FlashProgramException(address + i, target[i], data[i]);
                }
            }
        }

        int j = 0;
        if (Vector.IsHardwareAccelerated)
        {
            for (; j + Vector<byte>.Count <= data.Length; j += Vector<byte>.Count)
            {
                var t = new Vector<byte>(target[j..]);
                (t & new Vector<byte>(data[j..])).CopyTo(target[j..]);
            }
        }

        for (; j < data.Length; j++)
        {
            target[j] &= data[j];
        }
    }

    /// <summary>True when every 1 bit of <paramref name="data"/> is also 1 in <paramref name="target"/>.</summary>
    private static bool IsSubsetOf(ReadOnlySpan<byte> data, ReadOnlySpan<byte> target)
    {
        int i = 0;
        if (Vector.IsHardwareAccelerated)
        {
            for (; i + Vector<byte>.Count <= data.Length; i += Vector<byte>.Count)
            {
                var d = new Vector<byte>(data[i..]);
                if (!Vector.EqualsAll(Vector.AndNot(d, new Vector<byte>(target[i..])), Vector<byte>.Zero))
                {
                    return false;
                }
            }
        }

        for (; i < data.Length; i++)
        {
            if ((data[i] & ~target[i]) != 0)
            {
                return false;
            }
        }

        return true;
    }
}
