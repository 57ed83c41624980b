using System.Globalization;

namespace EspOta.Cli;

/// <summary>
/// The one parser of size and offset arguments: decimal or <c>0x</c> hex, with an optional
/// <c>K</c>/<c>KB</c> (×1024) or <c>M</c>/<c>MB</c> (×1048576) suffix, as ESP-IDF tools write them.
/// </summary>
internal static class SizeArgument
{
    /// <summary>Parses <paramref name="text"/>; anything else, or a value outside [min, max], is a usage error.</summary>
    public static long Parse(string text, string option, long min = 0, long max = long.MaxValue)
    {
        string t = text.Trim();
        long multiplier = 1;
        if (t.EndsWith("B", StringComparison.OrdinalIgnoreCase) && t.Length > 1 && char.IsLetter(t[^2]))
        {
            t = t[..^1];
        }

        if (t.EndsWith('M') || t.EndsWith('m'))
        {
            multiplier = 1024 * 1024;
            t = t[..^1];
        }
        else if (t.EndsWith('K') || t.EndsWith('k'))
        {
            multiplier = 1024;
            t = t[..^1];
        }

        bool ok = t.StartsWith("0x", StringComparison.OrdinalIgnoreCase)
            ? long.TryParse(t.AsSpan(2), NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out long value)
            : long.TryParse(t, NumberStyles.None, CultureInfo.InvariantCulture, out value);
        if (!ok || value > long.MaxValue / multiplier || value * multiplier < min || value * multiplier > max)
        {
            throw new UsageException(
                $"{option}: '{text}' is not a size between {min} and {max} (examples: 4MB, 64K, 0x20000, 4096)");
        }

        return value * multiplier;
    }
}
