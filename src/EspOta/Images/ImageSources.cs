using EspOta.Flash;

namespace EspOta.Images;

/// <summary>Sequential bytes for the one-pass verifier: each call hands out the next bytes (empty at the end).</summary>
internal interface IImageSource
{
    /// <summary>The next at most <paramref name="max"/> bytes; valid until the next call. Empty at the end.</summary>
    ReadOnlySpan<byte> Read(int max);
}

/// <summary>An image held in memory: slices, no copies.</summary>
internal ref struct SpanImageSource(ReadOnlySpan<byte> data) : IImageSource
{
    private readonly ReadOnlySpan<byte> _data = data;
    private int _position;

    public ReadOnlySpan<byte> Read(int max)
    {
        int n = Math.Min(max, _data.Length - _position);
        var slice = _data.Slice(_position, n);
        _position += n;
        return slice;
    }
}

/// <summary>A stream read through one reusable buffer.</summary>
internal struct StreamImageSource(Stream stream, byte[] buffer) : IImageSource
{
    public readonly ReadOnlySpan<byte> Read(int max)
    {
        int n = stream.Read(buffer, 0, Math.Min(max, buffer.Length));
        return buffer.AsSpan(0, n);
    }
}

/// <summary>A flash range read through one reusable buffer.</summary>
internal struct FlashImageSource(IFlash flash, long start, long length, byte[] buffer) : IImageSource
{
    private long _position;

    public ReadOnlySpan<byte> Read(int max)
    {
        int n = (int)Math.Min(Math.Min(max, buffer.Length), length - _position);
        if (n <= 0)
        {
            return [];
        }

        flash.Read(start + _position, buffer.AsSpan(0, n));
        _position += n;
        return buffer.AsSpan(0, n);
    }
}
