using EspOta.Flash;

namespace EspOta.Cli;

/// <summary>The one place that turns an exception into a message on stderr and an exit code.</summary>
internal static class ErrorReporter
{
    public static int Report(Exception exception, CliContext context)
    {
        switch (exception)
        {
            case UsageException:
                context.Error.WriteLine($"esp-ota: {exception.Message}");
                return ExitCodes.Usage;
            case FileNotFoundException or DirectoryNotFoundException:
                context.Error.WriteLine($"esp-ota: {exception.Message}");
                return ExitCodes.Usage;
            case ServerProblemException or HttpRequestException or TaskCanceledException:
                context.Error.WriteLine($"esp-ota: error: {exception.Message}");
                return ExitCodes.Failure;
            case EspException or EspOta.Security.SignatureException or FormatException or InvalidDataException or FlashProgramException or IOException or ArgumentException:
                context.Error.WriteLine($"esp-ota: error: {exception.Message}");
                return ExitCodes.Failure;
            default:
                context.Error.WriteLine($"esp-ota: internal error: {exception}");
                return ExitCodes.Failure;
        }
    }
}
