using System.Security.Cryptography;

namespace EspOta.Security;

/// <summary>
/// A public-key digest as eFuse stores it (<c>SECURE_BOOT_DIGESTn</c>, 32 bytes): the SHA-256 of the key
/// fields of a signature block (<c>espsecure.py digest_sbv2_public_key</c>). Compared by value.
/// </summary>
public sealed class SecureBootKeyDigest : IEquatable<SecureBootKeyDigest>
{
    /// <summary>Length in bytes.</summary>
    public const int Length = 32;

    private readonly byte[] _bytes;

    private SecureBootKeyDigest(byte[] bytes) => _bytes = bytes;

    /// <summary>The 32 bytes.</summary>
    public ReadOnlySpan<byte> Bytes => _bytes;

    /// <summary>Lower-case hex.</summary>
    public string Hex => Convert.ToHexStringLower(_bytes);

    /// <summary>Wraps 32 digest bytes (copied).</summary>
    /// <exception cref="ArgumentException">Not 32 bytes.</exception>
    public static SecureBootKeyDigest FromBytes(ReadOnlySpan<byte> bytes) => bytes.Length == Length
        ? new SecureBootKeyDigest(bytes.ToArray())
        : throw new ArgumentException($"a key digest is {Length} bytes, got {bytes.Length}", nameof(bytes));

    /// <summary>The digest of the key fields as they appear in a block (776 bytes RSA, 65 or 97 bytes ECDSA).</summary>
    public static SecureBootKeyDigest Of(ReadOnlySpan<byte> keyFields) => new(SHA256.HashData(keyFields));

    /// <summary>Parses 64 hex digits (spaces and colons allowed, as <c>signature_info_v2</c> prints them).</summary>
    public static bool TryParse(string? text, out SecureBootKeyDigest? digest)
    {
        digest = null;
        if (text is null)
        {
            return false;
        }

        var hex = text.Replace(" ", "", StringComparison.Ordinal).Replace(":", "", StringComparison.Ordinal).Trim();
        if (hex.Length != Length * 2)
        {
            return false;
        }

        try
        {
            digest = new SecureBootKeyDigest(Convert.FromHexString(hex));
            return true;
        }
        catch (FormatException)
        {
            return false;
        }
    }

    /// <summary>Parses hex like <see cref="TryParse"/>.</summary>
    /// <exception cref="FormatException">Not 64 hex digits.</exception>
    public static SecureBootKeyDigest Parse(string text) =>
        TryParse(text, out var digest) ? digest! : throw new FormatException($"a key digest is 64 hex digits, got '{text}'");

    /// <summary>The bytes as <c>signature_info_v2</c> prints them: "b0 b5 0a …".</summary>
    public string ToSpacedHex() => string.Join(' ', _bytes.Select(b => b.ToString("x2", System.Globalization.CultureInfo.InvariantCulture)));

    /// <inheritdoc />
    public bool Equals(SecureBootKeyDigest? other) => other is not null && _bytes.AsSpan().SequenceEqual(other._bytes);

    /// <inheritdoc />
    public override bool Equals(object? obj) => Equals(obj as SecureBootKeyDigest);

    /// <inheritdoc />
    public override int GetHashCode() => BitConverter.ToInt32(_bytes, 0);

    /// <inheritdoc />
    public override string ToString() => Hex;
}
