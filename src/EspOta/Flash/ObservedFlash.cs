namespace EspOta.Flash;

/// <summary>A flash that tells an <see cref="IFlashObserver"/> about each write and erase, then passes it on.</summary>
public sealed class ObservedFlash : IFlash
{
    /// <summary>Wraps <paramref name="inner"/>; <paramref name="observer"/> sees each mutating operation first.</summary>
    public ObservedFlash(IFlash inner, IFlashObserver observer)
    {
        Inner = inner ?? throw new ArgumentNullException(nameof(inner));
        Observer = observer ?? throw new ArgumentNullException(nameof(observer));
    }

    /// <summary>The wrapped flash, which holds the contents.</summary>
    public IFlash Inner { get; }

    /// <summary>Who is told.</summary>
    public IFlashObserver Observer { get; }

    /// <inheritdoc />
    public long Size => Inner.Size;

    /// <inheritdoc />
    public int SectorSize => Inner.SectorSize;

    /// <inheritdoc />
    public void Read(long address, Span<byte> destination) => Inner.Read(address, destination);

    /// <inheritdoc />
    public void Write(long address, ReadOnlySpan<byte> data)
    {
        FlashBounds.CheckRange(this, address, data.Length);
        Observer.OnWrite(address, data);
        Inner.Write(address, data);
    }

    /// <inheritdoc />
    public void Erase(long address, long length)
    {
        FlashBounds.CheckErase(this, address, length);
        Observer.OnErase(address, length);
        Inner.Erase(address, length);
    }
}
