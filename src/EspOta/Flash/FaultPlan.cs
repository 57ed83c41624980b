namespace EspOta.Flash;

/// <summary>
/// When and how <see cref="FaultInjectingFlash"/> loses power. Either <see cref="CutAtOperation"/>
/// (the N-th write or erase is interrupted) or <see cref="WriteByteBudget"/> (power fails when the
/// next byte written into a region would exceed the budget) — or both; whichever comes first wins.
/// </summary>
public sealed record FaultPlan
{
    /// <summary>Zero-based index, among writes and erases, of the operation that power fails in.</summary>
    public long? CutAtOperation { get; init; }

    /// <summary>For a cut write: how many of its bytes reach flash before the cut.</summary>
    public int BytesWrittenBeforeCut { get; init; }

    /// <summary>For a cut erase: how many of its sectors are completely erased before the cut.</summary>
    public int SectorsErasedBeforeCut { get; init; }

    /// <summary>
    /// For a cut erase: leave the sector being erased at the cut half-erased (the
    /// <see cref="InterruptedErase"/> model, seeded by <see cref="Seed"/> and the operation index), as
    /// a real chip interrupted mid-erase may, instead of untouched.
    /// </summary>
    public bool LeaveHalfErasedSector { get; init; }

    /// <summary>
    /// Bytes that may still be written into [<see cref="BudgetStart"/>, <see cref="BudgetStart"/> +
    /// <see cref="BudgetLength"/>) before power fails; erases do not count. Power fails as the
    /// (budget+1)-th byte is about to be written: the bytes before it land, the rest do not.
    /// </summary>
    public long? WriteByteBudget { get; init; }

    /// <summary>Start of the region the byte budget counts.</summary>
    public long BudgetStart { get; init; }

    /// <summary>Length of the region the byte budget counts (by default the whole chip).</summary>
    public long BudgetLength { get; init; } = long.MaxValue;

    /// <summary>Seed of the garbage a half-erased sector is left with.</summary>
    public int Seed { get; init; }

    /// <summary>Power fails in the <paramref name="operation"/>-th write or erase (zero-based).</summary>
    public static FaultPlan AtOperation(long operation, int bytesWritten = 0, int sectorsErased = 0, bool halfErased = false, int seed = 0) =>
        new() { CutAtOperation = operation, BytesWrittenBeforeCut = bytesWritten, SectorsErasedBeforeCut = sectorsErased, LeaveHalfErasedSector = halfErased, Seed = seed };

    /// <summary>Power fails when more than <paramref name="bytes"/> bytes are written into the region.</summary>
    public static FaultPlan AfterBytesWritten(long bytes, long regionStart = 0, long regionLength = long.MaxValue) =>
        new() { WriteByteBudget = bytes, BudgetStart = regionStart, BudgetLength = regionLength };
}
