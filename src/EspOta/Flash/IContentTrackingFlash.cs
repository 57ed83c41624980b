namespace EspOta.Flash;

/// <summary>
/// A flash that keeps, per sector, a content token: equal tokens mean equal bytes (every change hands
/// out a new token; every erased sector has the same one). Lets a verdict about a partition be reused
/// while not one of its bytes changed (<see cref="Images.CachingImageValidator"/>).
/// </summary>
public interface IContentTrackingFlash : IFlash
{
    /// <summary>The tokens of the sectors of [<paramref name="address"/>, +<paramref name="length"/>).</summary>
    ReadOnlySpan<long> TokensOf(long address, long length);
}
