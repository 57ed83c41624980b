namespace EspOta.Cli;

internal static class Program
{
    private static int Main(string[] args) =>
        EspOtaCli.Run(args, Console.Out, Console.Error, interactive: !Console.IsOutputRedirected);
}
