using System.CommandLine;
using EspOta.Cli;

namespace EspOta.Tests.Cli;

/// <summary>
/// Every command of <c>esp-ota</c>, given a folder, an empty file, a missing file and random bytes
/// where it expects a file: a one-line message on stderr that names the file (or the offset), exit
/// code 1 or 2, and never a stack trace.
/// </summary>
public sealed class BadInputTests : IDisposable
{
    /// <summary>Nothing listens here: commands that talk to a server fail on the connection, with a message.</summary>
    private const string NoServer = "http://127.0.0.1:9";

    private static readonly string Dir = Directory.CreateTempSubdirectory("espota-bad-input-").FullName;
    private static readonly string Folder = Directory.CreateDirectory(Path.Combine(Dir, "a-folder")).FullName;
    private static readonly string Empty = Touch("empty.bin", []);
    private static readonly string Missing = Path.Combine(Dir, "missing.bin");
    private static readonly string Random = Touch("random.bin", RandomBytes(20000, seed: 15));

    private static readonly string GoodApp = Path.Combine(Dir, "good-app.bin");
    private static readonly string GoodFlash = Path.Combine(Dir, "good-flash.bin");
    private static readonly string GoodKey = Path.Combine(Dir, "good-key.pem");
    private static readonly string GoodPublicKey = Path.Combine(Dir, "good-key.pub.pem");
    private static readonly string GoodTable = Touch("good-table.csv", "nvs,data,nvs,0x9000,0x4000\notadata,data,ota,0xd000,0x2000\nfactory,app,factory,0x10000,1M\nota_0,app,ota_0,,1M\n"u8.ToArray());

    static BadInputTests()
    {
        Assert.Equal(0, Run("image", "build", "--chip", "esp32", "-o", GoodApp).Code);
        Assert.Equal(0, Run("device", "create", "--flash", GoodFlash, "--factory", GoodApp, "--slot-size", "256K").Code);
        Assert.Equal(0, Run("key", "generate", "--scheme", "ecdsa256", GoodKey, "--public", GoodPublicKey).Code);
    }

    public void Dispose()
    {
        // The folder is shared by every case of the class; the OS temp cleaner takes it if a run dies.
    }

    /// <summary>Each command with <c>{in}</c> where a file goes; every leaf command appears at least once.</summary>
    private static readonly string[][] Commands =
    [
        ["partitions", "gen", "{in}"],
        ["partitions", "gen", "{in}", "{out}"],
        ["partitions", "show", "{in}"],
        ["partitions", "show", "{in}", "--json"],
        ["partitions", "verify", "{in}"],
        ["partitions", "verify", "{in}", "--json"],
        ["image", "info", "{in}"],
        ["image", "info", "{in}", "--json"],
        ["image", "verify", "{in}"],
        ["image", "verify", "{in}", "--json"],
        ["flash", "build", "--partitions", "{in}", "-o", "{out}"],
        ["flash", "build", "--partitions", "{table}", "--bootloader", "{in}", "--bootloader-offset", "0x1000", "-o", "{out}"],
        ["flash", "build", "--partitions", "{table}", "--app", "factory={in}", "-o", "{out}"],
        ["flash", "boot", "{in}"],
        ["flash", "boot", "{in}", "--json"],
        ["otadata", "show", "{in}"],
        ["otadata", "switch", "ota_0", "{in}"],
        ["otadata", "erase", "{in}"],
        ["ota", "apply", "{in}", "{app}"],
        ["ota", "apply", "{flash}", "{in}"],
        ["device", "create", "--flash", "{out}", "--factory", "{in}"],
        ["device", "create", "--flash", "{out}", "--factory", "{app}", "--secure-boot-key", "{in}"],
        ["device", "create", "--flash", "{out}", "--factory", "{app}", "--bootloader", "{in}"],
        ["flash", "build", "--partitions", "{table}", "--chip", "esp32c3", "--secure-boot-key", "{in}", "-o", "{out}"],
        ["device", "run", "--flash", "{in}", "--server", NoServer],
        ["device", "fleet", "--factory", "{in}", "--server", NoServer, "--count", "1"],
        ["firmware", "add", "{in}", "--server", NoServer, "--api-key", "k"],
        ["image-info", "{in}"],
        ["partition", "read", "{in}", "--name", "factory", "-o", "{out}"],
        ["partition", "write", "{in}", "--name", "factory", "--input", "{app}"],
        ["partition", "write", "{flash}", "--name", "nvs", "--input", "{in}"],
        ["partition", "erase", "{in}", "--type", "data", "--subtype", "nvs"],
        ["partition", "info", "{in}", "--name", "factory"],
        ["ota", "read", "{in}", "--slot", "0", "-o", "{out}"],
        ["ota", "write", "{in}", "--slot", "0", "--input", "{app}"],
        ["ota", "write", "{flash}", "--slot", "0", "--input", "{in}"],
        ["ota", "erase", "{in}", "--slot", "1"],
        ["key", "digest", "{in}"],
        ["key", "digest", "{in}", "--json"],
        ["image", "sign", "{app}", "--key", "{in}", "-o", "{out}"],
        ["image", "sign", "{app}", "--v1", "--key", "{in}", "-o", "{out}"],
        ["image", "signature-info", "{in}"],
        ["image", "signature-info", "{in}", "--json"],
        ["image", "verify-signature", "{in}", "--key", "{public-key}"],
        ["image", "verify-signature", "{app}", "--key", "{in}"],
        ["image", "verify-signature", "{app}", "--digest", "{in}"],
        ["image", "verify-signature", "{app}", "--v1", "--key", "{in}"],
        ["image", "encrypt", "{app}", "--public-key", "{in}", "-o", "{out}"],
        ["image", "decrypt", "{in}", "--private-key", "{key}", "-o", "{out}"],
        ["image", "decrypt", "{app}", "--private-key", "{in}", "-o", "{out}"],
        ["image", "decrypt", "{app}", "--hmac-key", "{in}", "-o", "{out}"],
    ];

    /// <summary>Commands without an input file: wrong values, or a server that is not there.</summary>
    private static readonly string[][] Others =
    [
        ["image", "build", "--chip", "esp32", "-o", "{folder}"],
        ["image", "build", "--chip", "esp32", "-o", "{missing-folder}/app.bin"],
        ["image", "build", "--chip", "esp32", "--size", "1Q", "-o", "{out}"],
        ["image", "build", "--chip", "esp99", "-o", "{out}"],
        ["flash", "build", "--partitions", "{table}", "-o", "{folder}"],
        ["device", "create", "--flash", "{folder}", "--factory", "{app}"],
        ["device", "create", "--flash", "{out}", "--factory", "{app}", "--slot-size", "lots"],
        ["device", "run", "--flash", "{flash}", "--server", NoServer, "--self-test", "maybe"],
        ["device", "run", "--flash", "{flash}", "--server", "not a url"],
        ["flash", "build", "--partitions", "{table}", "--chip", "esp32c3", "--secure-boot", "-o", "{out}"],
        ["flash", "build", "--partitions", "{table}", "--chip", "esp32c3", "--revoked-key-slot", "0", "-o", "{out}"],
        ["flash", "build", "--partitions", "{table}", "--chip", "esp32c3", "--secure-boot-key", "0123", "-o", "{out}"],
        ["flash", "build", "--partitions", "{table}", "--chip", "esp32c3", "--secure-boot-key", "{public-key}", "--secure-boot-scheme", "rsa3072", "-o", "{out}"],
        ["flash", "build", "--partitions", "{table}", "--chip", "esp32c3", "--secure-boot-key", "{public-key}", "-o", "{out}"],
        ["flash", "build", "--partitions", "{table}", "--chip", "esp32c3", "--secure-boot-key", "{public-key}", "--secure-boot-scheme", "ecdsa999", "-o", "{out}"],
        ["flash", "build", "--partitions", "{table}", "-o", "{out}", "--secure-boot-key", "00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff"],
        ["flash", "build", "-o", "{out}", "0x0", "{app}", "--secure-boot"],
        ["device", "create", "--flash", "{out}", "--factory", "{app}", "--secure-boot-key", "00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff", "--revoked-key-slot", "1"],
        ["device", "create", "--flash", "{out}", "--factory", "{app}", "--secure-boot-scheme", "rsa3072"],
        ["device", "run", "--flash", "{flash}", "--server", NoServer, "--revoke-key-on-confirm", "0"],
        ["firmware", "list", "--server", NoServer, "--api-key", "k"],
        ["serve", "--data", "{app}", "--api-key", "k"],
        ["torture", "--scenario", "no-such-scenario"],
        ["torture", "--chunk-size", "many"],
        ["torture", "--dump", "{app}", "--scenario", "first-boot", "--image-size", "8K"],
        ["demo", "--no-such-option"],
        ["no-such-command"],
        ["partitions", "gen"],
        ["otadata", "doctor", "{missing}"],
        ["device", "list", "--no-such-option"],
        ["device", "show", "--no-such-option"],
        ["rollout", "create", "--no-such-option"],
        ["rollout", "list", "--no-such-option"],
        ["rollout", "show", "--no-such-option"],
        ["rollout", "pause", "--no-such-option"],
        ["rollout", "resume", "--no-such-option"],
        ["rollout", "cancel", "--no-such-option"],
        ["rollout", "rollback", "--no-such-option"],
        ["delta", "create", "--no-such-option"],
        ["delta", "apply", "--no-such-option"],
        ["delta", "info", "{missing}"],
        ["key", "generate", "--scheme", "rsa1024", "{out}"],
        ["key", "generate", "--scheme", "ecdsa256", "{key}"],
        ["image", "sign", "{app}", "-o", "{out}"],
        ["image", "signature-info", "{missing}"],
        ["image", "verify-signature", "{missing}", "--key", "{public-key}"],
        ["image", "encrypt", "{missing}", "--public-key", "{public-key}", "-o", "{out}"],
        ["image", "decrypt", "{missing}", "--private-key", "{key}", "-o", "{out}"],
        ["device", "run", "--flash", "{flash}", "--server", NoServer, "--hmac-key", "{in}"],
        ["device", "run", "--flash", "{flash}", "--server", NoServer, "--decryption-key", "{in}"],
        ["key", "digest", "{missing}"],
        ["certs", "create", "-o", "{app}"],
        ["certs", "create", "-o", "{out}", "--days", "forever"],
    ];

    public static TheoryData<string, string> Cases()
    {
        var data = new TheoryData<string, string>();
        foreach (var command in Commands)
        {
            foreach (var input in new[] { "folder", "empty", "missing", "random" })
            {
                data.Add(string.Join(' ', command), input);
            }
        }

        return data;
    }

    public static TheoryData<string> OtherCases()
    {
        var data = new TheoryData<string>();
        foreach (var command in Others)
        {
            data.Add(string.Join(' ', command));
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void BadInputFile_MessageNamesIt_ExitCode1or2_NoStackTrace(string command, string input)
    {
        string path = input switch { "folder" => Folder, "empty" => Empty, "missing" => Missing, _ => Random };
        string outFile = Path.Combine(Dir, $"out-{Guid.NewGuid():n}.bin");
        string[] args = [.. command.Split(' ').Select(a => Expand(a, path, outFile))];
        var (code, stdout, stderr) = Run(args);
        string all = stdout + stderr;

        Assert.True(code is ExitCodes.Failure or ExitCodes.Usage, $"esp-ota {string.Join(' ', args)} exited {code}\n{all}");
        AssertNoTrace(all, args);
        // "What and where": the file's name, or (for contents esp-ota could read) the offset in it.
        bool names = all.Contains(Path.GetFileName(path), StringComparison.Ordinal)
            || (input is "random" or "empty" && (all.Contains("offset", StringComparison.OrdinalIgnoreCase) || all.Contains("0x", StringComparison.Ordinal)))
            || (input == "empty" && all.Contains("empty", StringComparison.OrdinalIgnoreCase)) // esptool's own "File is empty"
            || command.Contains(NoServer, StringComparison.Ordinal) && all.Contains("127.0.0.1:9", StringComparison.Ordinal);
        Assert.True(names, $"esp-ota {string.Join(' ', args)}: the message does not say which file or where:\n{all}");
        Assert.False(File.Exists(outFile) && input != "random", $"esp-ota {string.Join(' ', args)} wrote {outFile} from bad input");
        Assert.False(File.Exists(Missing), "a command created the missing input file");
    }

    [Theory]
    [MemberData(nameof(OtherCases))]
    public void BadValue_Message_ExitCode1or2_NoStackTrace(string command)
    {
        string outFile = Path.Combine(Dir, $"out-{Guid.NewGuid():n}.bin");
        string[] args = [.. command.Split(' ').Select(a => Expand(a, Missing, outFile))];
        var (code, stdout, stderr) = Run(args);
        Assert.True(code is ExitCodes.Failure or ExitCodes.Usage, $"esp-ota {string.Join(' ', args)} exited {code}\n{stdout}{stderr}");
        Assert.False(string.IsNullOrWhiteSpace(stderr), $"esp-ota {string.Join(' ', args)} failed silently");
        AssertNoTrace(stdout + stderr, args);
    }

    /// <summary>
    /// <c>certs create</c> reads files only when it reuses the CA in its folder: each bad ca.pem or
    /// ca.key (a folder, empty, random bytes) is named, with exit 1 or 2 and no trace, and nothing is issued.
    /// </summary>
    [Theory]
    [InlineData("ca.pem", "folder")]
    [InlineData("ca.pem", "empty")]
    [InlineData("ca.pem", "random")]
    [InlineData("ca.key", "empty")]
    [InlineData("ca.key", "random")]
    public void CertsCreate_BadReusedCaFile_MessageNamesIt(string file, string input)
    {
        string folder = Directory.CreateDirectory(Path.Combine(Dir, $"certs-{Guid.NewGuid():n}")).FullName;
        Assert.Equal(0, Run("certs", "create", "-o", folder).Code);
        string bad = Path.Combine(folder, file);
        File.Delete(Path.Combine(folder, "server.pem"));
        File.Delete(bad);
        switch (input)
        {
            case "folder":
                Directory.CreateDirectory(bad);
                break;
            case "empty":
                File.WriteAllBytes(bad, []);
                break;
            default:
                File.WriteAllBytes(bad, RandomBytes(3000, seed: 16));
                break;
        }

        var (code, stdout, stderr) = Run("certs", "create", "-o", folder);
        string all = stdout + stderr;
        Assert.True(code is ExitCodes.Failure or ExitCodes.Usage, $"certs create with a bad {file} exited {code}\n{all}");
        AssertNoTrace(all, ["certs", "create", "-o", folder]);
        Assert.True(all.Contains(bad, StringComparison.Ordinal), $"certs create with a bad {file} ({input}): the message does not name it:\n{all}");
        Assert.False(File.Exists(Path.Combine(folder, "server.pem")), "a server certificate was issued from a bad CA");
    }

    [Fact]
    public void Cases_CoverEveryLeafCommand()
    {
        var root = EspOtaCli.BuildRoot(new CliContext(TextWriter.Null, TextWriter.Null));
        var covered = Commands.Concat(Others).Select(c => string.Join(' ', c.TakeWhile(a => !a.StartsWith('-') && !a.Contains('{')))).ToHashSet();
        var missing = Leaves(root, "").Where(path => !covered.Any(c => c == path || c.StartsWith(path + " ", StringComparison.Ordinal))).ToList();
        Assert.True(missing.Count == 0, "commands without a bad-input case: " + string.Join(", ", missing));
    }

    private static IEnumerable<string> Leaves(Command command, string prefix)
    {
        foreach (var sub in command.Subcommands)
        {
            string path = (prefix + " " + sub.Name).Trim();
            if (sub.Subcommands.Count == 0)
            {
                yield return path;
            }
            else
            {
                foreach (var leaf in Leaves(sub, path))
                {
                    yield return leaf;
                }
            }
        }
    }

    private static void AssertNoTrace(string output, string[] args)
    {
        Assert.False(output.Contains("   at ", StringComparison.Ordinal), $"esp-ota {string.Join(' ', args)} printed a stack trace:\n{output}");
        Assert.False(output.Contains("internal error", StringComparison.Ordinal), $"esp-ota {string.Join(' ', args)} hit an internal error:\n{output}");
        Assert.False(output.Contains("Exception", StringComparison.Ordinal), $"esp-ota {string.Join(' ', args)} named an exception type:\n{output}");
        Assert.False(output.Contains("System.", StringComparison.Ordinal), $"esp-ota {string.Join(' ', args)} named a .NET type:\n{output}");
    }

    private static string Expand(string arg, string input, string output) => arg
        .Replace("{in}", input, StringComparison.Ordinal)
        .Replace("{out}", output, StringComparison.Ordinal)
        .Replace("{table}", GoodTable, StringComparison.Ordinal)
        .Replace("{app}", GoodApp, StringComparison.Ordinal)
        .Replace("{flash}", GoodFlash, StringComparison.Ordinal)
        .Replace("{public-key}", GoodPublicKey, StringComparison.Ordinal)
        .Replace("{key}", GoodKey, StringComparison.Ordinal)
        .Replace("{folder}", Folder, StringComparison.Ordinal)
        .Replace("{missing}", Missing, StringComparison.Ordinal)
        .Replace("{missing-folder}", Path.Combine(Dir, "no-such-folder"), StringComparison.Ordinal);

    private static (int Code, string Out, string Err) Run(params string[] args)
        => EspOta.Tests.Shared.CliRunner.Run(args);

    private static string Touch(string name, byte[] bytes)
    {
        string path = Path.Combine(Dir, name);
        File.WriteAllBytes(path, bytes);
        return path;
    }

    private static byte[] RandomBytes(int length, int seed)
    {
        var bytes = new byte[length];
        new System.Random(seed).NextBytes(bytes);
        return bytes;
    }
}
