using Spectre.Console;

namespace EspOta.Cli;

/// <summary>Where a command writes: plain writers for data and JSON, a Spectre console for people.</summary>
public sealed class CliContext
{
    /// <summary>Creates a context over the given writers.</summary>
    public CliContext(TextWriter output, TextWriter error, bool interactive = false)
    {
        Out = output;
        Error = error;
        Console = AnsiConsole.Create(new AnsiConsoleSettings
        {
            Out = new AnsiConsoleOutput(output),
            Ansi = interactive ? AnsiSupport.Detect : AnsiSupport.No,
            ColorSystem = interactive ? ColorSystemSupport.Detect : ColorSystemSupport.NoColors,
            Interactive = interactive ? InteractionSupport.Detect : InteractionSupport.No,
        });
        if (!interactive)
        {
            Console.Profile.Width = 160;
        }
        else if (TerminalWidth() is int width)
        {
            // Spectre cannot see the terminal through a plain writer (stdout is a stream writer so that
            // commands can write binary data), so tell it the width.
            Console.Profile.Width = width;
        }
    }

    private static int? TerminalWidth()
    {
        try
        {
            return System.Console.WindowWidth > 0 ? System.Console.WindowWidth : null;
        }
        catch (IOException)
        {
            return null;
        }
    }

    /// <summary>Standard output (data, JSON).</summary>
    public TextWriter Out { get; }

    /// <summary>Standard error (diagnostics).</summary>
    public TextWriter Error { get; }

    /// <summary>Tables, progress and colours for people.</summary>
    public IAnsiConsole Console { get; }
}
