namespace EspOta.Cli.Commands;

/// <summary>The Secure Boot v2 eFuses of a device as <c>&lt;flash&gt;.efuse.json</c> keeps them (SECURE_BOOT_EN is burnt when present).</summary>
/// <param name="Scheme">The scheme the bootloader is built for (<c>rsa3072</c>, <c>ecdsa256</c>, …).</param>
/// <param name="KeyDigests">One entry per digest slot: 64 hex digits, or null for an unburnt slot.</param>
/// <param name="Revoked">Per slot: whether its KEY_REVOKE bit is burnt.</param>
/// <param name="AggressiveRevoke">SECURE_BOOT_AGGRESSIVE_REVOKE.</param>
internal sealed record SecureBootEfuseDocument(string Scheme, string?[] KeyDigests, bool[] Revoked, bool AggressiveRevoke);
