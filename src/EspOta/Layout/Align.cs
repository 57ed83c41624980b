namespace EspOta.Layout;

/// <summary>The one align-up helper (partition, sector and image alignment).</summary>
public static class Align
{
    /// <summary><paramref name="value"/> rounded up to a multiple of <paramref name="alignment"/> (a positive number).</summary>
    public static long Up(long value, long alignment)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(value);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(alignment);
        return (value + alignment - 1) / alignment * alignment;
    }
}
