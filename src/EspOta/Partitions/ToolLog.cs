namespace EspOta.Partitions;

/// <summary>
/// Where the tool's stderr lines go: status lines (dropped when quiet) and warnings (always written,
/// and collected). Each line ends in <c>\n</c> like the tool's <c>sys.stderr.write</c>.
/// </summary>
internal sealed class ToolLog(TextWriter? writer, bool quiet, ICollection<string>? warnings)
{
    public static ToolLog Silent(ICollection<string>? warnings) => new(null, true, warnings);

    public void Status(string message)
    {
        if (!quiet)
        {
            writer?.Write(message + "\n");
        }
    }

    public void Warn(string message)
    {
        warnings?.Add(message);
        writer?.Write(message + "\n");
    }
}
