namespace EspOta.Delta;

/// <summary>Internal signal of a detools error inside the applier's state machine (turned into <see cref="DeltaPatchException"/>).</summary>
internal sealed class DetoolsFailure(DetoolsError error, string detail) : Exception(detail)
{
    public DetoolsError Error { get; } = error;
}
