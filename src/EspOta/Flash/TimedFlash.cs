namespace EspOta.Flash;

/// <summary>
/// A flash that adds up how long each operation would take on the real chip (<see cref="FlashTiming"/>)
/// while passing it on to the flash it wraps. Simulated devices and <c>ota apply --estimate</c> use it.
/// </summary>
public sealed class TimedFlash(IFlash inner, FlashTiming? timing = null) : IFlash
{
    /// <summary>The wrapped flash.</summary>
    public IFlash Inner { get; } = inner ?? throw new ArgumentNullException(nameof(inner));

    /// <summary>The chip's figures.</summary>
    public FlashTiming Timing { get; } = timing ?? FlashTiming.Default;

    /// <summary>Time spent erasing so far.</summary>
    public FlashDuration EraseTime { get; private set; }

    /// <summary>Time spent programming so far.</summary>
    public FlashDuration ProgramTime { get; private set; }

    /// <summary>Time spent reading so far.</summary>
    public FlashDuration ReadTime { get; private set; }

    /// <summary>All of it.</summary>
    public FlashDuration Elapsed => EraseTime + ProgramTime + ReadTime;

    /// <inheritdoc />
    public long Size => Inner.Size;

    /// <inheritdoc />
    public int SectorSize => Inner.SectorSize;

    /// <inheritdoc />
    public void Read(long address, Span<byte> destination)
    {
        Inner.Read(address, destination);
        ReadTime += Timing.Read(destination.Length);
    }

    /// <inheritdoc />
    public void Write(long address, ReadOnlySpan<byte> data)
    {
        Inner.Write(address, data);
        ProgramTime += Timing.Program(address, data.Length);
    }

    /// <inheritdoc />
    public void Erase(long address, long length)
    {
        Inner.Erase(address, length);
        EraseTime += Timing.Erase(address, length);
    }

    /// <summary>Sets the clocks back to zero.</summary>
    public void Reset() => EraseTime = ProgramTime = ReadTime = FlashDuration.Zero;
}
