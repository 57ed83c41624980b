namespace EspOta.Flash;

/// <summary>A time a flash operation takes on the chip: the datasheet's typical and maximum.</summary>
/// <param name="Typical">With the datasheet's typical figures.</param>
/// <param name="Maximum">With its worst-case (maximum) figures.</param>
public readonly record struct FlashDuration(TimeSpan Typical, TimeSpan Maximum)
{
    /// <summary>No time.</summary>
    public static FlashDuration Zero => default;

    /// <summary>The sum of two durations.</summary>
    public static FlashDuration operator +(FlashDuration a, FlashDuration b) => new(a.Typical + b.Typical, a.Maximum + b.Maximum);

    /// <summary><paramref name="a"/> repeated <paramref name="count"/> times.</summary>
    public static FlashDuration operator *(FlashDuration a, long count) => new(a.Typical * count, a.Maximum * count);

    /// <summary>Same as <c>+</c>.</summary>
    public static FlashDuration Add(FlashDuration a, FlashDuration b) => a + b;

    /// <summary>Same as <c>*</c>.</summary>
    public static FlashDuration Multiply(FlashDuration a, long count) => a * count;

    /// <inheritdoc />
    public override string ToString() => $"{Typical.TotalSeconds:0.000} s typical, {Maximum.TotalSeconds:0.000} s max";
}
