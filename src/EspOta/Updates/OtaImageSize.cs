namespace EspOta.Updates;

/// <summary>
/// The <c>image_size</c> argument of <c>esp_ota_begin</c>: how much of the partition to erase up front.
/// </summary>
/// <remarks>
/// ESP-IDF packs two sentinels into the size (<c>OTA_SIZE_UNKNOWN</c> = 0xFFFFFFFF,
/// <c>OTA_WITH_SEQUENTIAL_WRITES</c> = 0xFFFFFFFE); here they are named values.
/// </remarks>
public readonly record struct OtaImageSize
{
    private const long UnknownValue = -1;
    private const long SequentialValue = -2;

    private OtaImageSize(long value) => Value = value;

    /// <summary>The size in bytes, or a negative sentinel.</summary>
    public long Value { get; }

    /// <summary><c>OTA_SIZE_UNKNOWN</c>: erase the whole partition in <c>Begin</c>.</summary>
    public static OtaImageSize Unknown => new(UnknownValue);

    /// <summary><c>OTA_WITH_SEQUENTIAL_WRITES</c>: erase nothing up front; each write erases the sectors it reaches.</summary>
    public static OtaImageSize SequentialWrites => new(SequentialValue);

    /// <summary>A known size: <c>Begin</c> erases it rounded up to whole sectors (0 erases the whole partition, as in C).</summary>
    public static OtaImageSize Of(long bytes)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(bytes);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(bytes, (long)uint.MaxValue - 2);
        return new(bytes);
    }

    /// <summary>Whether this is <see cref="Unknown"/>.</summary>
    public bool IsUnknown => Value == UnknownValue;

    /// <summary>Whether this is <see cref="SequentialWrites"/>.</summary>
    public bool IsSequentialWrites => Value == SequentialValue;

    /// <summary>Whether <c>Begin</c> erases the whole partition (unknown size or 0).</summary>
    public bool ErasesWholePartition => IsUnknown || Value == 0;

    /// <inheritdoc />
    public override string ToString() => IsUnknown ? "unknown" : IsSequentialWrites ? "sequential writes" : $"{Value} bytes";
}
