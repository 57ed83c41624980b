using System.Text.Json;

namespace EspOta.Tests;

/// <summary>
/// The one loader of <c>../shared/vectors</c>. The folder is found by walking up from the test
/// binaries to the directory that holds <c>shared/vectors</c> beside the repository; a missing folder
/// fails the test run (it is never a skip).
/// </summary>
public static class Vectors
{
    private static readonly Lazy<string> RootPath = new(FindRoot);

    /// <summary>Absolute path of the vectors folder.</summary>
    public static string Root => RootPath.Value;

    /// <summary>Absolute path of a file or folder inside the vectors.</summary>
    public static string PathOf(params string[] parts) => System.IO.Path.Combine([Root, .. parts]);

    /// <summary>Reads a vectors JSON file.</summary>
    public static JsonDocument ReadJson(params string[] parts) => JsonDocument.Parse(File.ReadAllBytes(PathOf(parts)));

    private static string FindRoot()
    {
        var env = Environment.GetEnvironmentVariable("ESPOTA_VECTORS");
        if (!string.IsNullOrEmpty(env))
        {
            return Directory.Exists(env) ? env : throw new DirectoryNotFoundException($"ESPOTA_VECTORS={env} does not exist");
        }

        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            var candidate = System.IO.Path.Combine(dir.FullName, "shared", "vectors");
            if (Directory.Exists(candidate) && dir.GetDirectories().Any(d => d.Name != "shared"))
            {
                // The repository sits beside shared/; check that this is that parent.
                return candidate;
            }
        }

        throw new DirectoryNotFoundException(
            $"the test vectors folder ../shared/vectors was not found above {AppContext.BaseDirectory}; the tests need it (never skipped)");
    }
}
