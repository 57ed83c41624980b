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

    /// <summary>
    /// Compares two parsed versions: numbers first (missing = 0), then a release above any pre-release
    /// suffix, then commits past the tag. ESP-IDF's default app version is <c>git describe</c>, whose
    /// <c>-N-g&lt;hash&gt;[-dirty]</c> tail means N commits <em>after</em> the tag, not a pre-release.
    /// </summary>
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

        var (preA, commitsA) = SplitDescribe(a.Suffix);
        var (preB, commitsB) = SplitDescribe(b.Suffix);
        if (preA != preB)
        {
            if (preA.Length == 0 || preB.Length == 0)
            {
                return preA.Length == 0 ? 1 : -1;
            }

            return Math.Sign(string.CompareOrdinal(preA, preB));
        }

        return commitsA.CompareTo(commitsB);
    }

    private static (string PreRelease, long Commits) SplitDescribe(string suffix)
    {
        var match = DescribeTail().Match(suffix);
        return match.Success && long.TryParse(match.Groups["commits"].Value, out long commits)
            ? (suffix[..match.Index], commits)
            : (suffix, 0);
    }

    [GeneratedRegex(@"-(?<commits>\d+)-g[0-9a-f]{4,40}(-dirty)?\z", RegexOptions.CultureInvariant)]
    private static partial Regex DescribeTail();

    [GeneratedRegex(@"^[vV]?(?<numbers>\d+(\.\d+)*)(?<suffix>.*)$", RegexOptions.CultureInvariant)]
    private static partial Regex Pattern();
}
