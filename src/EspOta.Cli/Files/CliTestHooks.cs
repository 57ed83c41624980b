namespace EspOta.Cli.Files;

/// <summary>
/// Test-only: lets a kill test stop a real <c>esp-ota</c> process at a chosen step of an atomic file
/// write. With <c>ESP_OTA_TEST_PAUSE_SAVE</c> set to a step ("opened", "wrote" — after the first
/// chunk —, "flushed", "renamed") the process prints <c>esp-ota: test pause at STEP</c> on stderr and
/// waits there for ever, so the test can <c>kill -9</c> it at exactly that point. Unset (always,
/// outside those tests) it costs one environment read per process.
/// </summary>
internal static class CliTestHooks
{
    /// <summary>The environment variable naming the step to pause at.</summary>
    public const string PauseVariable = "ESP_OTA_TEST_PAUSE_SAVE";

    /// <summary>The line printed on stderr when paused (followed by the step).</summary>
    public const string PausedMarker = "esp-ota: test pause at ";

    private static readonly string? Pause = Environment.GetEnvironmentVariable(PauseVariable) is { Length: > 0 } step ? step : null;

    /// <summary>The fault-point callback for <c>FlashImageFile.WriteAtomically</c>, or null when no pause is asked for.</summary>
    public static Action<string>? SavePoint { get; } = Pause is null ? null : PauseAt;

    private static void PauseAt(string step)
    {
        if (step == Pause || (Pause == "wrote" && step == "wrote:0"))
        {
            Console.Error.WriteLine(PausedMarker + step);
            Console.Error.Flush();
            Thread.Sleep(Timeout.Infinite);
        }
    }
}
