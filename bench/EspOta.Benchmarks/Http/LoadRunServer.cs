using System.Diagnostics;
using System.Globalization;
using System.Text.Json;

namespace EspOta.Benchmarks.Http;

/// <summary>The real <c>esp-ota serve</c> in its own process, so that its memory is measured on its own.</summary>
internal static class LoadRunServer
{
    public static Process Start(string data, string apiKey, out Uri baseAddress)
    {
        string cli = Path.Combine(AppContext.BaseDirectory, "esp-ota.dll");
        var start = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var arg in new[] { "exec", cli, "serve", "--data", data, "--urls", "http://127.0.0.1:0", "--api-key", apiKey, "--json" })
        {
            start.ArgumentList.Add(arg);
        }

        var process = Process.Start(start) ?? throw new InvalidOperationException("could not start esp-ota serve");
        string? line = process.StandardOutput.ReadLine();
        if (line is null)
        {
            throw new InvalidOperationException($"esp-ota serve exited: {process.StandardError.ReadToEnd()}");
        }

        using var json = JsonDocument.Parse(line);
        baseAddress = new Uri(json.RootElement.GetProperty("urls")[0].GetString()!);
        return process;
    }

    /// <summary>VmHWM of the process: the most resident memory it ever had.</summary>
    public static long PeakResidentBytes(Process process)
    {
        foreach (var line in File.ReadLines($"/proc/{process.Id}/status"))
        {
            if (line.StartsWith("VmHWM:", StringComparison.Ordinal))
            {
                return long.Parse(line["VmHWM:".Length..].Trim().Split(' ')[0], CultureInfo.InvariantCulture) * 1024;
            }
        }

        process.Refresh();
        return process.PeakWorkingSet64;
    }
}
