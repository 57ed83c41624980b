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
    /// The operation completed and the power failed at the eFuse burn that the code made next, before any
    /// bit of it was programmed (anti-rollback's <c>esp_efuse_update_secure_version</c>). The flash is the
    /// operation's full effect; the eFuses are as they were before the burn.
    /// </summary>
    public bool BeforeEfuseBurn { get; init; }

    /// <summary>The cut point at the eFuse burn that follows <paramref name="operation"/>.</summary>
    public static TortureCutPoint AtEfuseBurnAfter(FlashOperation operation, int sectorSize)
    {
        ArgumentNullException.ThrowIfNull(operation);
        return operation.Kind == FlashOperationKind.Write
            ? new TortureCutPoint(operation, operation.Length, 0, false) { BeforeEfuseBurn = true }
            : new TortureCutPoint(operation, 0, operation.Length / sectorSize, false) { BeforeEfuseBurn = true };
    }

    /// <summary>
    /// Set for a cut at a Secure Boot key revocation instead of inside a flash operation; <see cref="Operation"/> is then an
    /// empty write whose index is the number of flash operations done before the burn.
    /// </summary>
    public TortureEfuseCut? Efuse { get; init; }

    /// <summary>A cut just before or just after the burn of a revocation, with <paramref name="operationsDone"/> flash operations done.</summary>
    public static TortureCutPoint AtEfuse(int operationsDone, TortureEfuseCut efuse) =>
        new(new FlashOperation(operationsDone, FlashOperationKind.Write, 0, 0, ReadOnlyMemory<byte>.Empty), 0, 0, false) { Efuse = efuse };

    /// <inheritdoc />
    public override string ToString() => Efuse is { } e
        ? $"eFuse KEY_REVOKE{e.Slot} {(e.Burnt ? "burnt" : "not yet burnt")}, after {Operation.Index} flash operation(s)"
        : BeforeEfuseBurn
        ? $"{Operation} completed, power lost at the eFuse burn that followed"
        : Operation.Kind == FlashOperationKind.Write
        ? $"{Operation} after {BytesWritten} of {Operation.Length} byte(s)"
        : $"{Operation} after {SectorsErased} of {Operation.Length / 0x1000} sector(s){(Garbage ? ", next sector half-erased (garbage)" : "")}";
}
