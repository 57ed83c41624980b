using EspOta.Cli.Files;
using EspOta.Flash;

namespace EspOta.Cli;

/// <summary>The one place that turns an exception into a message on stderr and an exit code.</summary>
internal static class ErrorReporter
{
    /// <summary>Set (to anything) to print the stack trace of an internal error.</summary>
    public const string TraceVariable = "ESP_OTA_TRACE";

    public static int Report(Exception exception, CliContext context)
    {
        switch (exception)
        {
            case UsageException:
                context.Error.WriteLine($"esp-ota: {exception.Message}");
                return ExitCodes.Usage;
            case FileProblemException problem:
                context.Error.WriteLine($"esp-ota: error: {exception.Message}");
                return problem.ExitCode;
            case FileNotFoundException or DirectoryNotFoundException:
                context.Error.WriteLine($"esp-ota: {exception.Message}");
                return ExitCodes.Usage;
            case UnauthorizedAccessException:
                context.Error.WriteLine($"esp-ota: error: {exception.Message} (permission denied)");
                return ExitCodes.Failure;
            case ServerProblemException or HttpRequestException or TaskCanceledException:
                context.Error.WriteLine($"esp-ota: error: {exception.Message}");
                return ExitCodes.Failure;
            case EspException or EspOta.Security.SignatureException or FormatException or InvalidDataException or FlashProgramException or IOException or ArgumentException:
                context.Error.WriteLine($"esp-ota: error: {exception.Message}");
                return ExitCodes.Failure;
            default:
                // A bug in esp-ota, not the user's input: still one line; the trace only on request.
                context.Error.WriteLine($"esp-ota: internal error: {exception.GetType().Name}: {exception.Message}");
                if (Environment.GetEnvironmentVariable(TraceVariable) is { Length: > 0 })
                {
                    context.Error.WriteLine(exception.ToString());
                }
                else
                {
                    context.Error.WriteLine($"esp-ota: set {TraceVariable}=1 to see where; please report it");
                }

                return ExitCodes.Failure;
        }
    }
}
