using System.Diagnostics.CodeAnalysis;
using System.Text.RegularExpressions;

namespace EspOta.Server;

/// <summary>The shapes ids in URLs and bodies must have.</summary>
internal static partial class Ids
{
    /// <summary>Device ids: 1–64 characters of a conservative set (MAC addresses, serial numbers, host names).</summary>
    /// <remarks>Ids made only of dots are refused: "." and ".." are path segments, not names.</remarks>
    public static bool IsDeviceId([NotNullWhen(true)] string? value) =>
        value is not null && DeviceIdPattern().IsMatch(value) && value.AsSpan().ContainsAnyExcept('.');

    /// <summary>Accepts 64 hex digits of either case and returns them lowercase.</summary>
    public static bool TryNormalizeSha256(string? value, [NotNullWhen(true)] out string? sha256)
    {
        sha256 = null;
        if (value is null || value.Length != 64 || !Sha256Pattern().IsMatch(value))
        {
            return false;
        }

        sha256 = value.ToLowerInvariant();
        return true;
    }

    [GeneratedRegex(@"\A[A-Za-z0-9._:-]{1,64}\z", RegexOptions.CultureInvariant)]
    private static partial Regex DeviceIdPattern();

    [GeneratedRegex(@"\A[0-9A-Fa-f]{64}\z", RegexOptions.CultureInvariant)]
    private static partial Regex Sha256Pattern();
}
