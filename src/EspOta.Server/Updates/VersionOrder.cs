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
    /// Compares two parsed versions. Two SemVer 2.0 versions order by SemVer precedence (so
    /// <c>1.0.0-rc.2</c> &lt; <c>1.0.0-rc.10</c>); otherwise numbers first (missing = 0), then a release above any pre-release
    /// suffix, then commits past the tag. ESP-IDF's default app version is <c>git describe</c>, whose
    /// <c>-N-g&lt;hash&gt;[-dirty]</c> tail means N commits <em>after</em> the tag, not a pre-release.
    /// </summary>
    public static int Compare((long[] Numbers, string Suffix) a, (long[] Numbers, string Suffix) b)
    {
        if (SemVerPreRelease(a) is { } semA && SemVerPreRelease(b) is { } semB)
        {
            return CompareSemVer(a.Numbers, semA, b.Numbers, semB);
        }

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

    /// <summary>
    /// The pre-release identifiers when the version is SemVer 2.0 (<c>MAJOR.MINOR.PATCH[-pre][+build]</c>,
    /// an optional leading v as in git tags), empty for a release, null when it is not SemVer — and
    /// for a <c>git describe</c> tail, which is syntactically a pre-release but means commits after the tag.
    /// </summary>
    private static string[]? SemVerPreRelease((long[] Numbers, string Suffix) version)
    {
        if (version.Numbers.Length != 3 || DescribeTail().IsMatch(version.Suffix))
        {
            return null;
        }

        var match = SemVerSuffix().Match(version.Suffix);
        if (!match.Success)
        {
            return null;
        }

        string pre = match.Groups["pre"].Value;
        return pre.Length == 0 ? [] : pre.Split('.');
    }

    /// <summary>SemVer 2.0 §11 precedence; build metadata is ignored.</summary>
    private static int CompareSemVer(long[] numbersA, string[] preA, long[] numbersB, string[] preB)
    {
        for (int i = 0; i < 3; i++)
        {
            if (numbersA[i] != numbersB[i])
            {
                return numbersA[i].CompareTo(numbersB[i]);
            }
        }

        // A release ranks above all of its pre-releases.
        if (preA.Length == 0 || preB.Length == 0)
        {
            return preA.Length == preB.Length ? 0 : preA.Length == 0 ? 1 : -1;
        }

        for (int i = 0; i < Math.Min(preA.Length, preB.Length); i++)
        {
            bool numericA = IsNumeric(preA[i], out long na);
            bool numericB = IsNumeric(preB[i], out long nb);
            int c = (numericA, numericB) switch
            {
                (true, true) => na.CompareTo(nb),
                (true, false) => -1, // numeric identifiers have lower precedence than alphanumeric ones
                (false, true) => 1,
                _ => Math.Sign(string.CompareOrdinal(preA[i], preB[i])),
            };
            if (c != 0)
            {
                return c;
            }
        }

        return preA.Length.CompareTo(preB.Length);
    }

    private static bool IsNumeric(string identifier, out long value)
    {
        value = 0;
        return identifier.Length > 0 && identifier.All(char.IsAsciiDigit) && long.TryParse(identifier, out value);
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

    [GeneratedRegex(@"^(-(?<pre>[0-9A-Za-z-]+(\.[0-9A-Za-z-]+)*))?(\+[0-9A-Za-z-]+(\.[0-9A-Za-z-]+)*)?\z", RegexOptions.CultureInvariant)]
    private static partial Regex SemVerSuffix();

    [GeneratedRegex(@"^[vV]?(?<numbers>\d+(\.\d+)*)(?<suffix>.*)$", RegexOptions.CultureInvariant)]
    private static partial Regex Pattern();
}
