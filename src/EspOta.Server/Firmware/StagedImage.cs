using EspOta.Server.Encryption;

namespace EspOta.Server.Firmware;

/// <summary>An upload received into its temp file: what will be stored and what the plaintext told.</summary>
/// <param name="Sha256">SHA-256 of the temp file (the bytes that will be stored and served); null when nothing was kept (a refused upload).</param>
/// <param name="Size">Size of the temp file (0 when nothing was kept).</param>
/// <param name="Facts">The inspection of the plain image.</param>
/// <param name="Encryption">For an image stored encrypted: what goes into <c>encrypted_firmware</c>; null for a plain image.</param>
internal sealed record StagedImage(string? Sha256, long Size, ImageFacts Facts, EncryptedFirmwareRecord? Encryption);
