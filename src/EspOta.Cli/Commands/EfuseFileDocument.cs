namespace EspOta.Cli.Commands;

/// <summary>The eFuses of a device kept beside its flash image (<c>&lt;flash&gt;.efuse.json</c>).</summary>
/// <param name="Chip">The chip (esptool name).</param>
/// <param name="SecureBoot">The Secure Boot v2 eFuses, or null when SECURE_BOOT_EN is not burnt.</param>
internal sealed record EfuseFileDocument(string Chip, SecureBootEfuseDocument? SecureBoot);
