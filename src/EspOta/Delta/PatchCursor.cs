namespace EspOta.Delta;

/// <summary>The patch bytes of one <c>Process</c> call and how far they are consumed (detools' <c>chunk</c>).</summary>
internal ref struct PatchCursor(ReadOnlySpan<byte> data)
{
    private readonly ReadOnlySpan<byte> _data = data;

    public int Position { get; private set; }

    public readonly bool Available => Position < _data.Length;

    public readonly int Left => _data.Length - Position;

    public bool TryGet(out byte value)
    {
        if (Position >= _data.Length)
        {
            value = 0;
            return false;
        }

        value = _data[Position++];
        return true;
    }

    /// <summary>Copies up to <paramref name="destination"/>.Length bytes; returns how many.</summary>
    public int Read(Span<byte> destination)
    {
        int n = Math.Min(destination.Length, Left);
        _data.Slice(Position, n).CopyTo(destination);
        Position += n;
        return n;
    }
}
