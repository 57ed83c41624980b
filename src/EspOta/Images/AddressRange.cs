namespace EspOta.Images;

/// <summary>A half-open address range [<paramref name="Start"/>, <paramref name="End"/>) of a chip's address space.</summary>
/// <param name="Start">First address.</param>
/// <param name="End">End address (exclusive).</param>
public readonly record struct AddressRange(uint Start, uint End)
{
    /// <summary>True when <paramref name="address"/> lies in the range.</summary>
    public bool Contains(uint address) => address >= Start && address < End;

    /// <summary>True when the whole of [<paramref name="start"/>, <paramref name="end"/>) lies in the range.</summary>
    public bool ContainsRange(ulong start, ulong end) => start >= Start && end <= End && start <= end;
}
