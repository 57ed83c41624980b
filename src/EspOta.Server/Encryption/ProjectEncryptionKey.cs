namespace EspOta.Server.Encryption;

/// <summary>A row of <c>project_encryption_keys</c>: the public key uploads of a project are encrypted for.</summary>
/// <param name="Project">The <c>project_name</c> of the images it applies to.</param>
/// <param name="Scheme">"rsa3072" or "ecies-p256".</param>
/// <param name="PublicKeyPem">The <c>-----BEGIN PUBLIC KEY-----</c> PEM (only the public half is ever stored).</param>
/// <param name="Fingerprint">SHA-256 of the key's SubjectPublicKeyInfo, lowercase hex.</param>
/// <param name="SetAt">When it was set.</param>
internal sealed record ProjectEncryptionKey(string Project, string Scheme, string PublicKeyPem, string Fingerprint, DateTimeOffset SetAt);
