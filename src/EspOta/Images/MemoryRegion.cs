namespace EspOta.Images;

/// <summary>
/// One row of a chip's memory map as esptool classifies load addresses (<c>MEMORY_MAP</c> in
/// <c>esptool/targets/*.py</c>): addresses in [<paramref name="Start"/>, <paramref name="End"/>) are of
/// <paramref name="Type"/> (<c>DROM</c>, <c>IROM</c>, <c>DRAM</c>, <c>IRAM</c>, <c>RTC_DATA</c>, <c>PADDING</c> …).
/// </summary>
/// <param name="Start">First address of the region.</param>
/// <param name="End">End address (exclusive).</param>
/// <param name="Type">esptool's name for the memory type.</param>
public readonly record struct MemoryRegion(uint Start, uint End, string Type)
{
    /// <summary>True when <paramref name="address"/> lies in the region.</summary>
    public bool Contains(uint address) => address >= Start && address < End;
}
