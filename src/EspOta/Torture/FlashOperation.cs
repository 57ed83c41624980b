using EspOta.Flash;

namespace EspOta.Torture;

/// <summary>One mutating flash operation of a scenario's clean run.</summary>
/// <param name="Index">Zero-based index among the scenario's writes and erases (the cut index).</param>
/// <param name="Kind"><see cref="FlashOperationKind.Write"/> or <see cref="FlashOperationKind.Erase"/>.</param>
/// <param name="Address">Flash address.</param>
/// <param name="Length">Bytes written or erased.</param>
/// <param name="Data">The bytes of a write (empty for an erase).</param>
public sealed record FlashOperation(int Index, FlashOperationKind Kind, long Address, int Length, ReadOnlyMemory<byte> Data)
{
    /// <inheritdoc />
    public override string ToString() => $"#{Index} {Kind.ToString().ToLowerInvariant()} 0x{Address:x}+0x{Length:x}";
}
