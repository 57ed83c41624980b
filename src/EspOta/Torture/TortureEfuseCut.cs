namespace EspOta.Torture;

/// <summary>A cut at an eFuse revocation step: which revocation of the body, its key slot, and whether the bit was burnt when the power failed.</summary>
/// <param name="Revocation">Index among the body's revocations (0 = its first).</param>
/// <param name="Slot">The key slot (<c>KEY_REVOKE</c> n).</param>
/// <param name="Burnt">True when the burn completed before the power failed.</param>
public sealed record TortureEfuseCut(int Revocation, int Slot, bool Burnt);
