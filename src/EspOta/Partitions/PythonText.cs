using System.Globalization;
using System.Numerics;
using System.Text;

namespace EspOta.Partitions;

/// <summary>
/// The pieces of Python 3.11 text behaviour that <c>gen_esp32part.py</c> leans on (<c>str.strip</c>,
/// <c>str.splitlines</c>, <c>int(x, 0)</c>, <c>os.path.expandvars</c>, <c>%x</c>, bytes repr), so that a
/// CSV is read exactly as the tool reads it.
/// </summary>
internal static class PythonText
{
    /// <summary>Python's <c>str.isspace</c> for one UTF-16 unit (every such code point is in the BMP).</summary>
    public static bool IsSpace(char c) => c switch
    {
        >= '\t' and <= '\r' => true,
        >= '\x1c' and <= ' ' => true,
        '\x85' or '\xa0' or '\u1680' or '\u2028' or '\u2029' or '\u202f' or '\u205f' or '\u3000' => true,
        >= '\u2000' and <= '\u200a' => true,
        _ => false,
    };

    /// <summary><c>str.strip()</c> with Python's notion of whitespace.</summary>
    public static string Strip(string s)
    {
        int start = 0;
        int end = s.Length;
        while (start < end && IsSpace(s[start]))
        {
            start++;
        }

        while (end > start && IsSpace(s[end - 1]))
        {
            end--;
        }

        return start == 0 && end == s.Length ? s : s[start..end];
    }

    /// <summary><c>str.splitlines()</c>: every Unicode line boundary, no trailing empty line.</summary>
    public static List<string> SplitLines(string s)
    {
        var lines = new List<string>();
        int start = 0;
        int i = 0;
        while (i < s.Length)
        {
            char c = s[i];
            bool boundary = c is '\n' or '\r' or '\v' or '\f' or '\x1c' or '\x1d' or '\x1e' or '\x85' or '\u2028' or '\u2029';
            if (!boundary)
            {
                i++;
                continue;
            }

            lines.Add(s[start..i]);
            i += c == '\r' && i + 1 < s.Length && s[i + 1] == '\n' ? 2 : 1;
            start = i;
        }

        if (start < s.Length)
        {
            lines.Add(s[start..]);
        }

        return lines;
    }

    /// <summary><c>str.lower()</c> (simple case mapping is what matters here: ASCII and the Kelvin sign).</summary>
    public static string Lower(string s) => s.ToLowerInvariant();

    /// <summary>
    /// <c>int(s, base)</c> for base 0 (prefix decides: <c>0x</c>, <c>0o</c>, <c>0b</c>, else decimal without
    /// leading zeros) or 16: surrounding whitespace, a sign, single underscores between digits, and any
    /// Unicode decimal digit are accepted like CPython does.
    /// </summary>
    public static bool TryParseInt(string s, int @base, out BigInteger value)
    {
        value = BigInteger.Zero;
        var ascii = ToAsciiDigitsAndSpaces(s);
        if (ascii is null)
        {
            return false;
        }

        int i = 0;
        int n = ascii.Length;
        while (i < n && IsAsciiSpace(ascii[i]))
        {
            i++;
        }

        int sign = 1;
        if (i < n && (ascii[i] == '+' || ascii[i] == '-'))
        {
            sign = ascii[i] == '-' ? -1 : 1;
            i++;
        }

        bool zerosOnly = false;
        if (@base == 0)
        {
            if (i >= n || ascii[i] != '0')
            {
                @base = 10;
            }
            else if (i + 1 < n && (ascii[i + 1] is 'x' or 'X'))
            {
                @base = 16;
            }
            else if (i + 1 < n && (ascii[i + 1] is 'o' or 'O'))
            {
                @base = 8;
            }
            else if (i + 1 < n && (ascii[i + 1] is 'b' or 'B'))
            {
                @base = 2;
            }
            else
            {
                // An old C-style octal literal: only an all-zero value is accepted.
                zerosOnly = true;
                @base = 10;
            }
        }

        if (i + 1 < n && ascii[i] == '0' &&
            ((@base == 16 && ascii[i + 1] is 'x' or 'X') || (@base == 8 && ascii[i + 1] is 'o' or 'O') || (@base == 2 && ascii[i + 1] is 'b' or 'B')))
        {
            i += 2;
            if (i < n && ascii[i] == '_')
            {
                i++;
            }
        }

        if (i < n && ascii[i] == '_')
        {
            return false;
        }

        int digits = 0;
        char prev = '\0';

        // Accumulate in a ulong while it cannot overflow; switch to BigInteger for long literals.
        ulong small = 0;
        BigInteger? big = null;
        ulong limit = (ulong.MaxValue - 36) / 36;
        for (; i < n; i++)
        {
            char c = ascii[i];
            if (c == '_')
            {
                if (prev == '_')
                {
                    return false;
                }
            }
            else
            {
                int d = DigitValue(c);
                if (d < 0 || d >= @base)
                {
                    break;
                }

                if (big is null && small > limit)
                {
                    big = small;
                }

                if (big is BigInteger b)
                {
                    big = b * @base + d;
                }
                else
                {
                    small = small * (ulong)@base + (ulong)d;
                }

                digits++;
            }

            prev = c;
        }

        var result = big ?? small;
        if (prev == '_' || digits == 0)
        {
            return false;
        }

        while (i < n && IsAsciiSpace(ascii[i]))
        {
            i++;
        }

        if (i != n || (zerosOnly && !result.IsZero))
        {
            return false;
        }

        // CPython 3.11 refuses decimal strings longer than sys.int_info.default_max_str_digits.
        if (@base == 10 && digits > 4300)
        {
            return false;
        }

        value = sign * result;
        return true;
    }

    /// <summary>
    /// <c>os.path.expandvars</c> on POSIX: <c>$name</c> (ASCII word characters) and <c>${name}</c> are
    /// replaced when <paramref name="lookup"/> knows them; unknown ones stay as written.
    /// </summary>
    public static string ExpandVars(string s, Func<string, string?> lookup)
    {
        if (!s.Contains('$'))
        {
            return s;
        }

        var sb = new StringBuilder(s.Length);
        int i = 0;
        while (i < s.Length)
        {
            int dollar = s.IndexOf('$', i);
            if (dollar < 0)
            {
                break;
            }

            int j = dollar + 1;
            string? name = null;
            if (j < s.Length && IsWordChar(s[j]))
            {
                while (j < s.Length && IsWordChar(s[j]))
                {
                    j++;
                }

                name = s[(dollar + 1)..j];
            }
            else if (j < s.Length && s[j] == '{')
            {
                int close = s.IndexOf('}', j + 1);
                if (close >= 0)
                {
                    name = s[(j + 1)..close];
                    j = close + 1;
                }
            }

            if (name is null)
            {
                sb.Append(s, i, dollar + 1 - i);
                i = dollar + 1;
                continue;
            }

            sb.Append(s, i, dollar - i);
            sb.Append((name.Length == 0 ? null : lookup(name)) ?? s[dollar..j]);
            i = j;
        }

        sb.Append(s, i, s.Length - i);
        return sb.ToString();
    }

    /// <summary>The variable name when <paramref name="s"/> starts with <c>$name</c>, else null.</summary>
    public static string? LeadingVariable(string s)
    {
        if (s.Length < 2 || s[0] != '$' || !(char.IsAsciiLetter(s[1]) || s[1] == '_'))
        {
            return null;
        }

        int j = 2;
        while (j < s.Length && IsWordChar(s[j]))
        {
            j++;
        }

        return s[1..j];
    }

    /// <summary>Python's <c>'%x' % v</c>: lower-case hex, a leading minus for negatives.</summary>
    public static string Hex(long v) => v < 0 ? "-" + ((ulong)(-v)).ToString("x", CultureInfo.InvariantCulture) : v.ToString("x", CultureInfo.InvariantCulture);

    /// <summary>Python's <c>%d</c>.</summary>
    public static string Dec(long v) => v.ToString(CultureInfo.InvariantCulture);

    /// <summary>Python's <c>repr()</c> of a <c>bytes</c> value, e.g. <c>b'\xeb\xeb'</c>.</summary>
    public static string BytesRepr(ReadOnlySpan<byte> bytes)
    {
        char quote = bytes.Contains((byte)'\'') && !bytes.Contains((byte)'"') ? '"' : '\'';
        var sb = new StringBuilder("b").Append(quote);
        foreach (byte b in bytes)
        {
            if (b == quote || b == '\\')
            {
                sb.Append('\\').Append((char)b);
            }
            else if (b == '\t')
            {
                sb.Append("\\t");
            }
            else if (b == '\n')
            {
                sb.Append("\\n");
            }
            else if (b == '\r')
            {
                sb.Append("\\r");
            }
            else if (b < 0x20 || b >= 0x7f)
            {
                sb.Append("\\x").Append(b.ToString("x2", CultureInfo.InvariantCulture));
            }
            else
            {
                sb.Append((char)b);
            }
        }

        return sb.Append(quote).ToString();
    }

    private static bool IsWordChar(char c) => char.IsAsciiLetterOrDigit(c) || c == '_';

    private static bool IsAsciiSpace(char c) => c is ' ' or '\t' or '\n' or '\v' or '\f' or '\r';

    private static int DigitValue(char c) => c switch
    {
        >= '0' and <= '9' => c - '0',
        >= 'a' and <= 'z' => c - 'a' + 10,
        >= 'A' and <= 'Z' => c - 'A' + 10,
        _ => -1,
    };

    /// <summary>
    /// CPython first maps every non-ASCII whitespace to a space and every Unicode decimal digit to its
    /// ASCII digit; any other non-ASCII character makes the number invalid.
    /// </summary>
    private static string? ToAsciiDigitsAndSpaces(string s)
    {
        if (!s.AsSpan().ContainsAnyExceptInRange('\0', '\x7e'))
        {
            return s;
        }

        var sb = new StringBuilder(s.Length);
        foreach (var rune in s.EnumerateRunes())
        {
            if (rune.Value < 127)
            {
                sb.Append((char)rune.Value);
            }
            else if (rune.IsBmp && IsSpace((char)rune.Value))
            {
                sb.Append(' ');
            }
            else if (Rune.GetUnicodeCategory(rune) == UnicodeCategory.DecimalDigitNumber)
            {
                sb.Append((char)('0' + (int)Rune.GetNumericValue(rune)));
            }
            else
            {
                return null;
            }
        }

        return sb.ToString();
    }
}
