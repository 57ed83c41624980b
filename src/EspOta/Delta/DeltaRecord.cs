namespace EspOta.Delta;

/// <summary>
/// One diff/extra/adjustment record of a sequential patch: <see cref="DiffLength"/> bytes of the new
/// image are base bytes (from <see cref="BasePosition"/>) plus a difference, the next
/// <see cref="ExtraLength"/> bytes are new, then the base read position moves by <see cref="Adjustment"/>.
/// </summary>
internal readonly record struct DeltaRecord(int NewPosition, int BasePosition, int DiffLength, int ExtraLength, int Adjustment);
