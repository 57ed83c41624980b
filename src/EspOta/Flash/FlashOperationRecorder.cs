namespace EspOta.Flash;

/// <summary>Records every write and erase it observes, in order, with the written bytes.</summary>
public sealed class FlashOperationRecorder : IFlashObserver
{
    private readonly List<FlashOperation> _operations = [];

    /// <summary>The operations seen so far (index = position).</summary>
    public IReadOnlyList<FlashOperation> Operations => _operations;

    /// <inheritdoc />
    public void OnWrite(long address, ReadOnlySpan<byte> data) =>
        _operations.Add(new FlashOperation(_operations.Count, FlashOperationKind.Write, address, data.Length, data.ToArray()));

    /// <inheritdoc />
    public void OnErase(long address, long length) =>
        _operations.Add(new FlashOperation(_operations.Count, FlashOperationKind.Erase, address, checked((int)length), ReadOnlyMemory<byte>.Empty));
}
