namespace EspOta.Cli.Files;

/// <summary>An input file's contents are malformed: the core's message (with its line or offset), prefixed with the file.</summary>
public sealed class InputFormatException(string path, FormatException inner) : FormatException($"{path}: {inner.Message}", inner)
{
    /// <summary>The file that was read.</summary>
    public string Path { get; } = path;
}
