namespace EspOta.Flash;

/// <summary>
/// The one model of an erase the power cuts: the first sectors finished, the rest untouched — or the
/// sector being erased at the cut left half-erased. Used by <see cref="FaultInjectingFlash"/> and by
/// the torture sweep's snapshot replay, so both leave the same bytes for the same cut.
/// </summary>
/// <remarks>
/// A NOR erase drives every cell of the sector towards 1 at once, unevenly: a half-erased sector has
/// its first half at 0xFF (what erase-then-verify loops see first) and, in the rest, each bit at its
/// old value or at 1 — never a 1 turned to 0. The noise is seeded by (seed, operation, sector).
/// </remarks>
public static class InterruptedErase
{
    /// <summary>
    /// Leaves <paramref name="flash"/> as an erase of [<paramref name="address"/>, +<paramref name="length"/>)
    /// cut after <paramref name="sectorsErased"/> whole sectors, the next one half-erased when
    /// <paramref name="halfErasedSector"/>.
    /// </summary>
    /// <param name="flash">The flash whose state survives the cut.</param>
    /// <param name="address">Start of the interrupted erase (sector-aligned).</param>
    /// <param name="length">Length of the interrupted erase (whole sectors).</param>
    /// <param name="sectorsErased">Sectors completely erased before the cut (clamped to the erase).</param>
    /// <param name="halfErasedSector">Leave the next sector half-erased (garbage) instead of untouched.</param>
    /// <param name="seed">Seed of the garbage.</param>
    /// <param name="operationIndex">Index of the interrupted operation (part of the garbage's seed).</param>
    public static void Apply(IFlash flash, long address, long length, int sectorsErased, bool halfErasedSector, int seed, long operationIndex)
    {
        ArgumentNullException.ThrowIfNull(flash);
        FlashBounds.CheckErase(flash, address, length);
        int sectorSize = flash.SectorSize;
        long sectors = length / sectorSize;
        long done = Math.Clamp(sectorsErased, 0, sectors);
        if (done > 0)
        {
            flash.Erase(address, done * sectorSize);
        }

        if (!halfErasedSector || done >= sectors)
        {
            return;
        }

        long sector = address + done * sectorSize;
        var bytes = new byte[sectorSize];
        flash.Read(sector, bytes);
        Garble(bytes, seed, operationIndex, sector / sectorSize);
        // Erase then program is how a model without a raw overwrite reaches "old value or 1".
        flash.Erase(sector, sectorSize);
        flash.Write(sector, bytes);
    }

    /// <summary>Turns the old bytes of one sector into its half-erased state, in place.</summary>
    /// <param name="sector">The sector's bytes before the cut.</param>
    /// <param name="seed">Seed of the garbage.</param>
    /// <param name="operationIndex">Index of the interrupted operation.</param>
    /// <param name="sectorIndex">Index of the sector on the chip.</param>
    public static void Garble(Span<byte> sector, int seed, long operationIndex, long sectorIndex)
    {
        int half = sector.Length / 2;
        sector[..half].Fill(0xFF);
        ulong state = SplitMix.Mix(seed, operationIndex, sectorIndex);
        for (int i = 0; i < sector.Length; i += 8)
        {
            state = SplitMix.Mix((int)state, (long)(state >> 32), i);
            for (int j = 0; j < 8 && i + j < sector.Length; j++)
            {
                sector[i + j] |= (byte)(state >> (8 * j));
            }
        }
    }
}
