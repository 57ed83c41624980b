namespace EspOta.Security;

/// <summary>The verdict on one signature block slot.</summary>
/// <param name="Index">Slot 0, 1 or 2.</param>
/// <param name="Status">What was found.</param>
/// <param name="Scheme">The block's scheme, when it decodes as one.</param>
/// <param name="KeyDigest">The digest of the block's key, when it is well-formed.</param>
public sealed record BlockCheck(int Index, BlockStatus Status, SignatureScheme? Scheme, SecureBootKeyDigest? KeyDigest);
