namespace EspOta.Flash;

/// <summary>
/// A NOR flash chip that reads through to a shared <see cref="FlashBaseImage"/> until it changes a
/// sector: the first write to a sector copies that sector, an erase just marks it erased. It behaves
/// exactly as a <see cref="MemoryFlash"/> holding the same bytes (same NOR rule, same errors, same
/// statistics) while costing only the sectors it wrote — what a fleet of thousands of simulated
/// devices on one machine needs.
/// </summary>
public sealed class CopyOnWriteFlash : IFlash
{
    /// <summary>The entry of a sector this chip erased and has not written since: no copy needed.</summary>
    private static readonly byte[] ErasedMarker = [];

    private readonly FlashBaseImage _base;

    // Per sector: null = the base image's bytes, ErasedMarker = all 0xFF, else this chip's own copy.
    private readonly byte[]?[] _sectors;

    /// <summary>A chip holding <paramref name="baseImage"/>'s bytes.</summary>
    /// <param name="baseImage">The shared, never-changed starting contents.</param>
    /// <param name="strict">Throw <see cref="FlashProgramException"/> when a write would set a bit.</param>
    public CopyOnWriteFlash(FlashBaseImage baseImage, bool strict = true)
    {
        _base = baseImage ?? throw new ArgumentNullException(nameof(baseImage));
        _sectors = new byte[]?[baseImage.Size / baseImage.SectorSize];
        Strict = strict;
        Statistics = new FlashStatistics(_sectors.Length);
    }

    /// <inheritdoc />
    public long Size => _base.Size;

    /// <inheritdoc />
    public int SectorSize => _base.SectorSize;

    /// <summary>Whether a write that sets a bit throws (otherwise it silently ANDs, like real NOR).</summary>
    public bool Strict { get; }

    /// <summary>What this chip has been asked to do.</summary>
    public FlashStatistics Statistics { get; }

    /// <summary>Sectors this chip holds its own copy of (written since they left the base image).</summary>
    public int OwnSectors => _sectors.Count(s => s is { Length: > 0 });

    /// <summary>Bytes of sector copies this chip holds (its memory beyond the shared base).</summary>
    public long OwnBytes => (long)OwnSectors * SectorSize;

    /// <inheritdoc />
    public void Read(long address, Span<byte> destination)
    {
        FlashBounds.CheckRange(this, address, destination.Length);
        int done = 0;
        while (done < destination.Length)
        {
            long at = address + done;
            long sector = at / SectorSize;
            int offset = (int)(at % SectorSize);
            int length = Math.Min(SectorSize - offset, destination.Length - done);
            var part = destination.Slice(done, length);
            var view = View(sector);
            if (view.IsEmpty)
            {
                part.Fill(0xFF);
            }
            else
            {
                view.Slice(offset, length).CopyTo(part);
            }

            done += length;
        }

        Statistics.OnRead(destination.Length);
    }

    /// <inheritdoc />
    public void Write(long address, ReadOnlySpan<byte> data)
    {
        FlashBounds.CheckRange(this, address, data.Length);
        if (Strict)
        {
            // MemoryFlash checks the whole write before changing a byte; so must this, across sectors,
            // and name the same (first) offending byte. An erased sector accepts anything.
            for (int done = 0; done < data.Length;)
            {
                long at = address + done;
                int offset = (int)(at % SectorSize);
                int length = Math.Min(SectorSize - offset, data.Length - done);
                var current = View(at / SectorSize);
                if (!current.IsEmpty)
                {
                    var part = data.Slice(done, length);
                    current = current.Slice(offset, length);
                    for (int i = 0; i < length; i++)
                    {
                        if ((part[i] & ~current[i]) != 0)
                        {
                            throw new FlashProgramException(at + i, current[i], part[i]);
                        }
                    }
                }

                done += length;
            }
        }

        for (int done = 0; done < data.Length;)
        {
            long at = address + done;
            long sector = at / SectorSize;
            int offset = (int)(at % SectorSize);
            int length = Math.Min(SectorSize - offset, data.Length - done);
            NorProgram.Apply(Own(sector).AsSpan(offset, length), data.Slice(done, length), at, strict: false);
            done += length;
        }

        Statistics.OnWrite(data.Length);
    }

    /// <inheritdoc />
    public void Erase(long address, long length)
    {
        FlashBounds.CheckErase(this, address, length);
        long first = address / SectorSize;
        long count = length / SectorSize;
        for (long s = first; s < first + count; s++)
        {
            _sectors[s] = ErasedMarker;
        }

        Statistics.OnErase(first, count);
    }

    /// <summary>A new chip over the same base with the same contents and settings (fresh statistics).</summary>
    public CopyOnWriteFlash Clone()
    {
        var copy = new CopyOnWriteFlash(_base, Strict);
        for (int s = 0; s < _sectors.Length; s++)
        {
            copy._sectors[s] = _sectors[s] is { Length: > 0 } own ? (byte[])own.Clone() : _sectors[s];
        }

        return copy;
    }

    /// <summary>A sector's current bytes; empty for a sector erased and not written since (all 0xFF).</summary>
    private ReadOnlySpan<byte> View(long sector) => _sectors[sector] switch
    {
        null => _base.Sector(sector),
        var own => own,
    };

    /// <summary>This chip's own copy of a sector, made on first write.</summary>
    private byte[] Own(long sector)
    {
        var own = _sectors[sector];
        if (own is { Length: > 0 })
        {
            return own;
        }

        var copy = new byte[SectorSize];
        if (own is null)
        {
            _base.Sector(sector).CopyTo(copy);
        }
        else
        {
            copy.AsSpan().Fill(0xFF);
        }

        _sectors[sector] = copy;
        return copy;
    }
}
