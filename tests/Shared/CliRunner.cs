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
        if (Executable is not null)
        {
            var (exit, output, error) = RunProcess(args);
            return (exit, new UTF8Encoding(false).GetString(output), error);
        }

        var stdout = new StringWriter();
        var stderr = new StringWriter();
        int code = EspOtaCli.Run(args, stdout, stderr);
        return (code, stdout.ToString(), stderr.ToString());
    }

    /// <summary>Runs <c>esp-ota <paramref name="args"/></c> with its output written to <paramref name="stdout"/> and <paramref name="stderr"/>; the exit code.</summary>
    public static int Run(string[] args, TextWriter stdout, TextWriter stderr)
    {
        if (Executable is null)
        {
            return EspOtaCli.Run(args, stdout, stderr);
        }

        var (code, output, error) = RunProcess(args);
        if (stdout is StreamWriter { BaseStream: var raw } writer)
        {
            // Binary output (partitions gen to stdout) as the bytes the process wrote, as in-process.
            writer.Flush();
            raw.Write(output);
        }
        else
        {
            stdout.Write(new UTF8Encoding(false).GetString(output));
        }

        stderr.Write(error);
        return code;
    }

    /// <summary>
    /// How to start <c>esp-ota <paramref name="args"/></c> as its own process (for <c>serve</c>, which
    /// keeps running): the <c>ESP_OTA_CLI</c> executable, else the built <c>esp-ota.dll</c> under <c>dotnet exec</c>.
    /// </summary>
    public static ProcessStartInfo ProcessStart(IEnumerable<string> args)
    {
        var start = Executable is null ? new ProcessStartInfo("dotnet") : new ProcessStartInfo(Executable);
        start.RedirectStandardOutput = true;
        start.RedirectStandardError = true;
        start.RedirectStandardInput = true;
        start.StandardOutputEncoding = new UTF8Encoding(false);
        start.StandardErrorEncoding = new UTF8Encoding(false);
        start.UseShellExecute = false;
        if (Executable is null)
        {
            start.ArgumentList.Add("exec");
            start.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "esp-ota.dll"));
        }

        foreach (string arg in args)
        {
            start.ArgumentList.Add(arg);
        }

        return start;
    }

    /// <summary>
    /// Starts <c>esp-ota <paramref name="args"/></c> as its own process and SIGKILLs it after <paramref name="delay"/>
    /// unless it finished first (the kill tests); true when it was killed.
    /// </summary>
    public static async Task<bool> RunAndKillAfterAsync(string[] args, TimeSpan delay)
    {
        using var process = Process.Start(ProcessStart(args)) ?? throw new InvalidOperationException($"cannot start esp-ota {string.Join(' ', args)}");
        _ = process.StandardOutput.ReadToEndAsync();
        _ = process.StandardError.ReadToEndAsync();
        var exited = process.WaitForExitAsync();
        if (await Task.WhenAny(exited, Task.Delay(delay)) == exited)
        {
            return false;
        }

        process.Kill();
        await process.WaitForExitAsync();
        return true;
    }

    private static (int Code, byte[] Out, string Err) RunProcess(string[] args)
    {
        var start = ProcessStart(args);
        using var process = Process.Start(start) ?? throw new InvalidOperationException($"cannot start {Executable}");
        process.StandardInput.Close();
        var bytes = new MemoryStream();
        var output = process.StandardOutput.BaseStream.CopyToAsync(bytes);
        var error = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(TimeSpan.FromMinutes(5)))
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"esp-ota {string.Join(' ', args)} did not finish in 5 minutes");
        }

        process.WaitForExit();
        output.GetAwaiter().GetResult();
        return (process.ExitCode, bytes.ToArray(), error.Result);
    }
}
