using System.Text;

namespace EspOta.Cli;

internal static class Program
{
    private static int Main(string[] args)
    {
        // A stream writer (not Console.Out) so that commands can put binary data on stdout.
        using var stdout = new StreamWriter(Console.OpenStandardOutput(), new UTF8Encoding(false)) { AutoFlush = true };
        return EspOtaCli.Run(args, stdout, Console.Error, interactive: !Console.IsOutputRedirected);
    }
}
