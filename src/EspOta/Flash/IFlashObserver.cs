namespace EspOta.Flash;

/// <summary>
/// Sees every mutating operation that reaches a flash through an <see cref="ObservedFlash"/>, before
/// it is applied (e.g. <see cref="FlashOperationRecorder"/>, which the torture sweep counts and cuts by).
/// </summary>
public interface IFlashObserver
{
    /// <summary>A program of <paramref name="data"/> at <paramref name="address"/> is about to happen.</summary>
    void OnWrite(long address, ReadOnlySpan<byte> data);

    /// <summary>An erase of [<paramref name="address"/>, +<paramref name="length"/>) is about to happen.</summary>
    void OnErase(long address, long length);
}
