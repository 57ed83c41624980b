namespace EspOta.Cli.Files;

/// <summary>A path given on the command line cannot be read or written; says which file, what for, and why.</summary>
public sealed class FileProblemException(string message, int exitCode, Exception? inner = null) : Exception(message, inner)
{
    /// <summary>2 when the path itself is wrong (missing, a folder), 1 when the file system refused.</summary>
    public int ExitCode { get; } = exitCode;
}
