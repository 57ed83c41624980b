namespace EspOta.Flash;

/// <summary>One mutating flash operation (a write or an erase), as a <see cref="FlashOperationRecorder"/> saw it.</summary>
/// <param name="Index">Zero-based index among the recorded writes and erases (the torture engine cuts by it).</param>
/// <param name="Kind"><see cref="FlashOperationKind.Write"/> or <see cref="FlashOperationKind.Erase"/>.</param>
/// <param name="Address">Flash address.</param>
/// <param name="Length">Bytes written or erased.</param>
/// <param name="Data">The bytes of a write (empty for an erase).</param>
public sealed record FlashOperation(int Index, FlashOperationKind Kind, long Address, int Length, ReadOnlyMemory<byte> Data)
{
    /// <inheritdoc />
    public override string ToString() => $"#{Index} {Kind.ToString().ToLowerInvariant()} 0x{Address:x}+0x{Length:x}";
}
