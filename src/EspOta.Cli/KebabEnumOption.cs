using System.CommandLine;

namespace EspOta.Cli;

/// <summary>
/// An option over an enum that people type and read in lowercase kebab case (<c>pass|fail|hang</c>,
/// <c>full-ota</c>): help and parse errors list those names, never the .NET type or PascalCase members.
/// </summary>
internal sealed class KebabEnumOption<T>
    where T : struct, Enum
{
    private readonly (string Name, T Value)[] _members;

    public KebabEnumOption(string name, string description, T defaultValue)
    {
        _members = [.. Enum.GetValues<T>().Select(v => (KebabCase.Of(v.ToString()), v))];
        Option = new Option<string>(name)
        {
            Description = description,
            DefaultValueFactory = _ => KebabCase.Of(defaultValue.ToString()),
        };
        Option.AcceptOnlyFromAmong([.. _members.Select(m => m.Name)]);
    }

    /// <summary>The option to add to a command.</summary>
    public Option<string> Option { get; }

    /// <summary>The member the parsed value names.</summary>
    public T Get(ParseResult parse)
    {
        string text = parse.GetValue(Option) ?? "";
        return _members.First(m => m.Name == text).Value;
    }
}
