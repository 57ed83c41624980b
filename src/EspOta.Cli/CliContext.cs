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
    }

    /// <summary>Standard output (data, JSON).</summary>
    public TextWriter Out { get; }

    /// <summary>Standard error (diagnostics).</summary>
    public TextWriter Error { get; }

    /// <summary>Tables, progress and colours for people.</summary>
    public IAnsiConsole Console { get; }
}
