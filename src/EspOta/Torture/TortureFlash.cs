using EspOta.Flash;

namespace EspOta.Torture;

/// <summary>
/// The torture engine's NOR chip: a strict in-memory flash that also knows, per sector, a content
/// token (equal tokens ⇒ equal bytes) and which sectors changed since the last sync. Tokens let verification results be reused for partitions whose
/// bytes did not change; the dirty list lets a cut state be rebuilt by copying a few sectors instead
/// of the whole chip.
/// </summary>
internal sealed class TortureFlash : IContentTrackingFlash
{
    /// <summary>The token of an all-0xFF sector, whatever produced it.</summary>
    public const long ErasedToken = 0;

    private readonly byte[] _data;
    private readonly long[] _tokens;
    private readonly bool[] _dirty;
    private readonly List<int> _dirtyList = [];
    private readonly TokenSource _source;

    public TortureFlash(long size, int sectorSize, TokenSource source)
    {
        _data = new byte[size];
        _data.AsSpan().Fill(0xFF);
        SectorSize = sectorSize;
        _tokens = new long[size / sectorSize];
        _dirty = new bool[_tokens.Length];
        _source = source;
    }

    public long Size => _data.Length;

    public int SectorSize { get; }

    public ReadOnlySpan<byte> Contents => _data;

    public void Read(long address, Span<byte> destination)
    {
        FlashBounds.CheckRange(this, address, destination.Length);
        _data.AsSpan((int)address, destination.Length).CopyTo(destination);
    }

    public void Write(long address, ReadOnlySpan<byte> data)
    {
        FlashBounds.CheckRange(this, address, data.Length);
        NorProgram.Apply(_data.AsSpan((int)address, data.Length), data, address, strict: true);
        if (data.Length > 0)
        {
            long token = _source.Next();
            for (long s = address / SectorSize; s <= (address + data.Length - 1) / SectorSize; s++)
            {
                Touch((int)s, token);
            }
        }
    }

    public void Erase(long address, long length)
    {
        FlashBounds.CheckErase(this, address, length);
        _data.AsSpan((int)address, (int)length).Fill(0xFF);
        for (long s = address / SectorSize; s < (address + length) / SectorSize; s++)
        {
            Touch((int)s, ErasedToken);
        }
    }

    /// <summary>Copies every sector dirty in either flash from <paramref name="baseline"/>; both become clean.</summary>
    public void SyncFrom(TortureFlash baseline)
    {
        foreach (int s in _dirtyList)
        {
            CopySector(baseline, s);
            _dirty[s] = false;
        }

        _dirtyList.Clear();
        foreach (int s in baseline._dirtyList)
        {
            CopySector(baseline, s);
            baseline._dirty[s] = false;
        }

        baseline._dirtyList.Clear();
    }

    /// <summary>Makes this flash a full copy of <paramref name="other"/>; both become clean.</summary>
    public void CopyFrom(TortureFlash other)
    {
        other._data.CopyTo(_data, 0);
        other._tokens.CopyTo(_tokens, 0);
        ClearDirty();
        other.ClearDirty();
    }

    /// <summary>The content tokens of the sectors of [<paramref name="address"/>, +<paramref name="length"/>).</summary>
    public ReadOnlySpan<long> TokensOf(long address, long length)
    {
        long first = address / SectorSize;
        long last = (address + length - 1) / SectorSize;
        return _tokens.AsSpan((int)first, (int)(last - first + 1));
    }

    public byte[] ToArray() => (byte[])_data.Clone();

    private void CopySector(TortureFlash from, int s)
    {
        from._data.AsSpan(s * SectorSize, SectorSize).CopyTo(_data.AsSpan(s * SectorSize, SectorSize));
        _tokens[s] = from._tokens[s];
    }

    private void ClearDirty()
    {
        foreach (int s in _dirtyList)
        {
            _dirty[s] = false;
        }

        _dirtyList.Clear();
    }

    private void Touch(int sector, long token)
    {
        _tokens[sector] = token;
        if (!_dirty[sector])
        {
            _dirty[sector] = true;
            _dirtyList.Add(sector);
        }
    }

    /// <summary>Hands out unique content tokens to the flashes of one run.</summary>
    internal sealed class TokenSource
    {
        private long _next = ErasedToken;

        public long Next() => ++_next;
    }
}
