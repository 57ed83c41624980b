using EspOta.Flash;

namespace EspOta.Torture;

/// <summary>Where and how the power fails: inside which operation, and how much of it reached flash.</summary>
/// <param name="Operation">The interrupted operation (index, kind, address, length).</param>
/// <param name="BytesWritten">For a write: bytes that landed before the cut.</param>
/// <param name="SectorsErased">For an erase: sectors completely erased before the cut.</param>
/// <param name="Garbage">For an erase: the next sector is left half-erased, each byte its old value OR seeded noise.</param>
public sealed record TortureCutPoint(FlashOperation Operation, int BytesWritten, int SectorsErased, bool Garbage)
{
    /// <inheritdoc />
    public override string ToString() => Operation.Kind == FlashOperationKind.Write
        ? $"{Operation} after {BytesWritten} of {Operation.Length} byte(s)"
        : $"{Operation} after {SectorsErased} of {Operation.Length / 0x1000} sector(s){(Garbage ? ", next sector half-erased (garbage)" : "")}";
}
