using System.Diagnostics;
using System.Text;
using EspOta.Cli;

namespace EspOta.Tests.Shared;

/// <summary>
/// Runs <c>esp-ota</c> for the CLI tests: in-process by default, or — when <c>ESP_OTA_CLI</c> names an
/// executable (the native AOT build in CI) — as that process, so the same tests check the AOT binary.
/// </summary>
public static class CliRunner
{
    /// <summary>The environment variable naming an <c>esp-ota</c> executable to run instead of the in-process CLI.</summary>
    public const string ExecutableVariable = "ESP_OTA_CLI";

    /// <summary>The executable the tests run, or null for in-process.</summary>
    public static string? Executable { get; } = Environment.GetEnvironmentVariable(ExecutableVariable) is { Length: > 0 } path ? path : null;

    /// <summary>Runs <c>esp-ota <paramref name="args"/></c>: exit code, stdout and stderr.</summary>
    public static (int Code, string Out, string Err) Run(params string[] args)
    {
        if (Executable is null)
        {
            var stdout = new StringWriter();
            var stderr = new StringWriter();
            int code = EspOtaCli.Run(args, stdout, stderr);
            return (code, stdout.ToString(), stderr.ToString());
        }

        var start = new ProcessStartInfo(Executable)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            StandardOutputEncoding = new UTF8Encoding(false),
            StandardErrorEncoding = new UTF8Encoding(false),
            UseShellExecute = false,
        };
        foreach (string arg in args)
        {
            start.ArgumentList.Add(arg);
        }

        using var process = Process.Start(start) ?? throw new InvalidOperationException($"cannot start {Executable}");
        process.StandardInput.Close();
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(TimeSpan.FromMinutes(5)))
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"esp-ota {string.Join(' ', args)} did not finish in 5 minutes");
        }

        process.WaitForExit();
        return (process.ExitCode, output.Result, error.Result);
    }
}
