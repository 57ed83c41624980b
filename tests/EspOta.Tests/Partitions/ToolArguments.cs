using EspOta.Partitions;

namespace EspOta.Tests.Partitions;

/// <summary>Turns the <c>args</c> of a vector case (gen_esp32part.py options) into <see cref="PartitionTableOptions"/>.</summary>
internal static class ToolArguments
{
    /// <summary>The environment the vectors were made in (README: PATH and LC_ALL, nothing else that a CSV could name).</summary>
    public static readonly IReadOnlyDictionary<string, string> VectorEnvironment = new Dictionary<string, string>
    {
        ["PATH"] = "/usr/bin:/bin",
        ["LC_ALL"] = "C.UTF-8",
    };

    public static PartitionTableOptions Parse(IReadOnlyList<string> rawArgs)
    {
        // argparse also accepts --option=value.
        var args = rawArgs.SelectMany(a => a.StartsWith("--", StringComparison.Ordinal) && a.Contains('=') ? a.Split('=', 2) : [a]).ToList();
        var options = new PartitionTableOptions { Environment = name => VectorEnvironment.GetValueOrDefault(name) };
        for (int i = 0; i < args.Count; i++)
        {
            string arg = args[i];
            switch (arg)
            {
                case "--offset" or "-o":
                    options = options with { TableOffset = PartitionTableOptions.ParseNumber(args[++i]) };
                    break;
                case "--flash-size":
                    // nargs='?': without a value there is no flash-size check.
                    if (i + 1 < args.Count && !args[i + 1].StartsWith('-'))
                    {
                        options = options with { FlashSize = long.Parse(args[++i].Replace("MB", "")) * 1024 * 1024 };
                    }

                    break;
                case "--disable-md5sum":
                    options = options with { DisableMd5 = true };
                    break;
                case "--no-verify":
                    options = options with { NoVerify = true };
                    break;
                case "--quiet" or "-q":
                    options = options with { Quiet = true };
                    break;
                case "--verify" or "-v":
                    break;
                case "--secure":
                    if (i + 1 < args.Count && args[i + 1] is "v1" or "v2")
                    {
                        options = options with { Secure = args[++i] == "v1" ? SecureBootMode.V1 : SecureBootMode.V2 };
                    }
                    else
                    {
                        options = options with { Secure = SecureBootMode.V1 };
                    }

                    break;
                case "--primary-bootloader-offset":
                    options = options with { PrimaryBootloaderOffset = PartitionTableOptions.ParseNumber(args[++i]) };
                    break;
                case "--recovery-bootloader-offset":
                    options = options with { RecoveryBootloaderOffset = PartitionTableOptions.ParseNumber(args[++i]) };
                    break;
                case "--extra-partition-subtypes":
                    var extras = new List<string>();
                    while (i + 1 < args.Count && !args[i + 1].StartsWith('-'))
                    {
                        extras.Add(args[++i]);
                    }

                    options = options with { ExtraPartitionSubtypes = extras };
                    break;
                default:
                    throw new ArgumentException($"vector uses an option this test does not know: {arg}");
            }
        }

        return options;
    }
}
