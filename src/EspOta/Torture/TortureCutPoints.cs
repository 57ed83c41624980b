using EspOta.Flash;

namespace EspOta.Torture;

/// <summary>
/// Where the sweep cuts inside one recorded operation, and whether a cut there already left the
/// operation's full effect on flash.
/// </summary>
public static class TortureCutPoints
{
    /// <summary>The cut points of one operation: byte offsets inside a write; sectors done (with or without garbage) inside an erase.</summary>
    public static IReadOnlyList<TortureCutPoint> Of(FlashOperation operation, int seed, int sectorSize = MemoryFlash.DefaultSectorSize)
    {
        ArgumentNullException.ThrowIfNull(operation);
        var points = new List<TortureCutPoint>();
        if (operation.Kind == FlashOperationKind.Write)
        {
            int length = operation.Length;
            var offsets = new SortedSet<int>();
            if (length <= 64)
            {
                // Small writes are otadata entries: every torn prefix matters.
                for (int k = 0; k < length; k++)
                {
                    offsets.Add(k);
                }
            }
            else
            {
                offsets.UnionWith([0, 1, length / 2, length - 1]);
                offsets.Add((int)(SplitMix.Mix(seed, operation.Index, 0x5752) % (ulong)length));
            }

            foreach (int k in offsets)
            {
                points.Add(new TortureCutPoint(operation, k, 0, false));
            }
        }
        else
        {
            int sectors = operation.Length / sectorSize;
            foreach (int done in new SortedSet<int> { 0, sectors / 2, sectors - 1 })
            {
                points.Add(new TortureCutPoint(operation, 0, done, false));
                points.Add(new TortureCutPoint(operation, 0, done, true));
            }
        }

        return points;
    }

    /// <summary>
    /// True when the flash after <paramref name="cut"/> equals the flash after the whole operation:
    /// the bytes not yet written change nothing, or the sectors not yet erased are already 0xFF.
    /// </summary>
    /// <param name="cut">The cut.</param>
    /// <param name="before">The whole chip just before the operation.</param>
    /// <param name="sectorSize">The erase sector.</param>
    internal static bool IsEffectivelyComplete(TortureCutPoint cut, ReadOnlySpan<byte> before, int sectorSize)
    {
        var op = cut.Operation;
        if (op.Kind == FlashOperationKind.Write)
        {
            var data = op.Data.Span;
            for (int j = cut.BytesWritten; j < op.Length; j++)
            {
                byte old = before[(int)op.Address + j];
                if ((old & data[j]) != old)
                {
                    return false;
                }
            }

            return true;
        }

        if (cut.Garbage)
        {
            return false;
        }

        var rest = before.Slice((int)op.Address + cut.SectorsErased * sectorSize, op.Length - cut.SectorsErased * sectorSize);
        return !rest.ContainsAnyExcept((byte)0xFF);
    }
}
