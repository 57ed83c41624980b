using System.CommandLine;
using System.CommandLine.Parsing;
using System.Text.RegularExpressions;

namespace EspOta.Cli;

/// <summary>
/// Parse errors in the user's words: System.CommandLine names the .NET type it could not convert to
/// (<c>System.Int32</c>, <c>EspOta.Http.SelfTestOutcome</c>); say what the option accepts instead.
/// </summary>
internal static partial class ParseErrors
{
    public static string Explain(ParseError error)
    {
        var match = CannotParse().Match(error.Message);
        if (!match.Success)
        {
            var notAmong = NotAmong().Match(error.Message);
            if (notAmong.Success && error.SymbolResult is OptionResult or ArgumentResult)
            {
                string symbol = error.SymbolResult is OptionResult o ? o.Option.Name : ((ArgumentResult)error.SymbolResult!).Argument.Name;
                var allowed = notAmong.Groups["allowed"].Value.Split('\'', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Where(a => a.Length > 0);
                return $"{symbol}: '{notAmong.Groups["value"].Value}' is not one of: {string.Join(", ", allowed)}";
            }

            return error.Message;
        }

        string value = match.Groups["value"].Value;
        string name = match.Groups["name"].Value;
        Type? type = (error.SymbolResult as OptionResult)?.Option.ValueType ?? (error.SymbolResult as ArgumentResult)?.Argument.ValueType;
        string accepted = type is null ? "a different value" : Describe(Nullable.GetUnderlyingType(type) ?? type);
        return $"{name}: '{value}' is not valid; expected {accepted}";
    }

    private static string Describe(Type type) =>
        type == typeof(int) || type == typeof(long) || type == typeof(short) ? "a whole number (e.g. 4096)"
        : type == typeof(uint) || type == typeof(ulong) || type == typeof(ushort) || type == typeof(byte) ? "a whole number, 0 or more (e.g. 4096)"
        : type == typeof(double) || type == typeof(float) || type == typeof(decimal) ? "a number (e.g. 2.5)"
        : type == typeof(bool) ? "true or false"
        : type == typeof(TimeSpan) ? "a duration (e.g. 00:00:30)"
        : type.IsEnum ? $"one of: {string.Join(", ", Enum.GetNames(type).Select(KebabCase.Of))}"
        : "a different value";

    [GeneratedRegex(@"^Argument '(?<value>.*)' not recognized\. Must be one of:(?<allowed>.*)$", RegexOptions.Singleline | RegexOptions.CultureInvariant)]
    private static partial Regex NotAmong();

    [GeneratedRegex(@"^Cannot parse argument '(?<value>.*)' for (option|command|argument) '(?<name>[^']*)' as expected type '[^']*'\.", RegexOptions.Singleline | RegexOptions.CultureInvariant)]
    private static partial Regex CannotParse();
}
