using EspOta.Flash;

namespace EspOta.Torture;

/// <summary>Where and how the power fails: inside which operation, and how much of it reached flash.</summary>
/// <param name="Operation">The interrupted operation (index, kind, address, length).</param>
/// <param name="BytesWritten">For a write: bytes that landed before the cut.</param>
/// <param name="SectorsErased">For an erase: sectors completely erased before the cut.</param>
/// <param name="Garbage">For an erase: the next sector is left half-erased, each byte its old value OR seeded noise.</param>
public sealed record TortureCutPoint(FlashOperation Operation, int BytesWritten, int SectorsErased, bool Garbage)
{
    /// <summary>
    /// Set for a cut at an eFuse revocation instead of inside a flash operation; <see cref="Operation"/> is then an
    /// empty write whose index is the number of flash operations done before the burn.
    /// </summary>
    public TortureEfuseCut? Efuse { get; init; }

    /// <summary>A cut just before or just after the burn of a revocation, with <paramref name="operationsDone"/> flash operations done.</summary>
    public static TortureCutPoint AtEfuse(int operationsDone, TortureEfuseCut efuse) =>
        new(new FlashOperation(operationsDone, FlashOperationKind.Write, 0, 0, ReadOnlyMemory<byte>.Empty), 0, 0, false) { Efuse = efuse };

    /// <inheritdoc />
    public override string ToString() => Efuse is { } e
        ? $"eFuse KEY_REVOKE{e.Slot} {(e.Burnt ? "burnt" : "not yet burnt")}, after {Operation.Index} flash operation(s)"
        : Operation.Kind == FlashOperationKind.Write
        ? $"{Operation} after {BytesWritten} of {Operation.Length} byte(s)"
        : $"{Operation} after {SectorsErased} of {Operation.Length / 0x1000} sector(s){(Garbage ? ", next sector half-erased (garbage)" : "")}";
}
