namespace EspOta.Flash;

/// <summary>
/// The simulated power failed during a flash operation. Only a reboot loop catches this: it stands for
/// the device losing every bit of RAM state.
/// </summary>
public sealed class PowerLossException : Exception
{
    /// <summary>Creates the exception for the interrupted operation.</summary>
    public PowerLossException(long operationIndex, FlashOperationKind operation, long address, long completedBytes)
        : base($"power lost during {operation} #{operationIndex} at 0x{address:x} after {completedBytes} byte(s)")
    {
        OperationIndex = operationIndex;
        Operation = operation;
        Address = address;
        CompletedBytes = completedBytes;
    }

    /// <summary>Zero-based index of the interrupted mutating operation (writes and erases).</summary>
    public long OperationIndex { get; }

    /// <summary>What was interrupted.</summary>
    public FlashOperationKind Operation { get; }

    /// <summary>Start address of the interrupted operation.</summary>
    public long Address { get; }

    /// <summary>Bytes of a write that reached flash before the cut (0 for erases).</summary>
    public long CompletedBytes { get; }
}
