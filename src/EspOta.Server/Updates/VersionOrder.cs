using System.Text.RegularExpressions;

namespace EspOta.Server.Updates;

/// <summary>
/// Orders app version strings. <c>esp_app_desc_t.version</c> is free text (a git describe, "1.2.3",
/// "v2.0-rc1"), so only strings that start with dotted numbers are comparable; the rest are not.
/// </summary>
internal static partial class VersionOrder
{
    /// <summary>Parses "v1.2.3-suffix" into its numbers and suffix, or null when it does not start with a number.</summary>
    public static (long[] Numbers, string Suffix)? Parse(string version)
    {
        var match = Pattern().Match(version);
        if (!match.Success)
        {
            return null;
        }

        var parts = match.Groups["numbers"].Value.Split('.');
        var numbers = new long[parts.Length];
        for (int i = 0; i < parts.Length; i++)
        {
            if (!long.TryParse(parts[i], out numbers[i]))
            {
                return null;
            }
        }

        return (numbers, match.Groups["suffix"].Value);
    }

    /// <summary>Compares two parsed versions: numbers first (missing = 0), then a release above any pre-release suffix.</summary>
    public static int Compare((long[] Numbers, string Suffix) a, (long[] Numbers, string Suffix) b)
    {
        for (int i = 0; i < Math.Max(a.Numbers.Length, b.Numbers.Length); i++)
        {
            long x = i < a.Numbers.Length ? a.Numbers[i] : 0;
            long y = i < b.Numbers.Length ? b.Numbers[i] : 0;
            if (x != y)
            {
                return x.CompareTo(y);
            }
        }

        if (a.Suffix.Length == 0 || b.Suffix.Length == 0)
        {
            return b.Suffix.Length.CompareTo(a.Suffix.Length) switch { < 0 => -1, > 0 => 1, _ => 0 };
        }

        return string.CompareOrdinal(a.Suffix, b.Suffix);
    }

    [GeneratedRegex(@"^[vV]?(?<numbers>\d+(\.\d+)*)(?<suffix>.*)$", RegexOptions.CultureInvariant)]
    private static partial Regex Pattern();
}
