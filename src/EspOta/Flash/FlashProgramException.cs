namespace EspOta.Flash;

/// <summary>
/// A write tried to turn a 0 bit into 1, which NOR flash cannot do without an erase: a bug in the caller.
/// </summary>
public sealed class FlashProgramException : InvalidOperationException
{
    /// <summary>Creates the exception for the first offending byte.</summary>
    public FlashProgramException(long address, byte current, byte requested)
        : base($"flash program at 0x{address:x} would set bits: current 0x{current:x2}, requested 0x{requested:x2} (erase first)")
    {
        Address = address;
        Current = current;
        Requested = requested;
    }

    /// <summary>Address of the first byte whose bits would go from 0 to 1.</summary>
    public long Address { get; }

    /// <summary>The byte on flash.</summary>
    public byte Current { get; }

    /// <summary>The byte the caller tried to program.</summary>
    public byte Requested { get; }
}
