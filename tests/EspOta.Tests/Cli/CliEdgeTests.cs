using System.CommandLine;
using System.Security.Cryptography;
using System.Text.Json;
using EspOta.Cli;

namespace EspOta.Tests.Cli;

/// <summary>The edges a new user finds first: help, parse errors, sizes, wrong files.</summary>
public sealed class CliEdgeTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("espota-cli-edge-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private string PathOf(string name) => Path.Combine(_dir, name);

    private static (int Code, string Out, string Err) Run(params string[] args)
        => EspOta.Tests.Shared.CliRunner.Run(args);

    private string BuildApp(string name = "app.bin")
    {
        Assert.Equal(ExitCodes.Ok, Run("image", "build", "--chip", "esp32", "-o", PathOf(name)).Code);
        return PathOf(name);
    }

    [Fact]
    public void NoArguments_PrintsHelp_ExitOk()
    {
        var (code, stdout, stderr) = Run();
        Assert.Equal(ExitCodes.Ok, code);
        Assert.Contains("Usage:", stdout, StringComparison.Ordinal);
        Assert.Contains("partitions", stdout, StringComparison.Ordinal);
        Assert.DoesNotContain("Required command", stderr, StringComparison.Ordinal);
    }

    [Fact]
    public void UnknownCommand_SaysSo_PrintsHelp_Usage()
    {
        var (code, stdout, stderr) = Run("flahs");
        Assert.Equal(ExitCodes.Usage, code);
        Assert.Contains("'flahs'", stderr, StringComparison.Ordinal);
        Assert.Contains("Commands:", stdout, StringComparison.Ordinal);
    }

    [Fact]
    public void GroupWithoutSubcommand_PrintsItsHelp_Usage()
    {
        var (code, stdout, _) = Run("partitions");
        Assert.Equal(ExitCodes.Usage, code);
        Assert.Contains("verify", stdout, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("torture", "--chunk-size", "abc")]
    [InlineData("torture", "--seed", "1.5")]
    [InlineData("image", "build", "--chip", "esp32", "--secure-version", "-3", "-o", "x.bin")]
    public void ParseError_NamesNoDotNetType(params string[] args)
    {
        var (code, _, stderr) = Run(args);
        Assert.Equal(ExitCodes.Usage, code);
        Assert.DoesNotContain("System.", stderr, StringComparison.Ordinal);
        Assert.Contains("expected a whole number", stderr, StringComparison.Ordinal);
    }

    [Fact]
    public void EnumParseError_ListsLowercaseValues()
    {
        var (code, _, stderr) = Run("device", "run", "--flash", "d.bin", "--server", "http://127.0.0.1:9", "--self-test", "maybe");
        Assert.Equal(ExitCodes.Usage, code);
        Assert.DoesNotContain("EspOta.", stderr, StringComparison.Ordinal);
        Assert.Contains("--self-test: 'maybe' is not one of: pass, fail, hang", stderr, StringComparison.Ordinal);
    }

    [Fact]
    public void Help_EveryCommand_NoPascalCaseValues_NoDoubledDefaults()
    {
        var root = EspOtaCli.BuildRoot(new CliContext(TextWriter.Null, TextWriter.Null));
        foreach (var path in Paths(root, []))
        {
            var (code, stdout, _) = Run([.. path, "--help"]);
            Assert.Equal(ExitCodes.Ok, code);
            foreach (string line in stdout.Split('\n'))
            {
                Assert.False(
                    line.Contains("[default:", StringComparison.Ordinal) && line.Contains("(default", StringComparison.OrdinalIgnoreCase),
                    $"esp-ota {string.Join(' ', path)} --help shows a default twice: {line}");
                Assert.DoesNotMatch(@"<[^>]*\b[A-Z][a-z]+[A-Z]?[a-z]*\|", line);
                Assert.DoesNotMatch(@"\[default: [A-Z][a-z]+[A-Za-z]*\]", line);
            }
        }
    }

    private static IEnumerable<string[]> Paths(Command command, string[] prefix)
    {
        foreach (var sub in command.Subcommands)
        {
            string[] path = [.. prefix, sub.Name];
            yield return path;
            foreach (var deeper in Paths(sub, path))
            {
                yield return deeper;
            }
        }
    }

    [Fact]
    public void DeviceCreate_TextFileAsFactory_RefusedBeforeWriting()
    {
        File.WriteAllText(PathOf("notes.txt"), "remember the milk\n");
        var (code, _, stderr) = Run("device", "create", "--flash", PathOf("dev.bin"), "--factory", PathOf("notes.txt"));
        Assert.Equal(ExitCodes.Failure, code);
        Assert.Contains("notes.txt", stderr, StringComparison.Ordinal);
        Assert.Contains("ESP_ERR_IMAGE_INVALID", stderr, StringComparison.Ordinal);
        Assert.False(File.Exists(PathOf("dev.bin")));
    }

    [Theory]
    [InlineData("1M", 0x100000)]
    [InlineData("0x40000", 0x40000)]
    [InlineData("256K", 0x40000)]
    public void DeviceCreate_SlotSize_AcceptsTheSizeSyntax(string slot, int expected)
    {
        string app = BuildApp();
        var (code, _, stderr) = Run("device", "create", "--flash", PathOf("dev.bin"), "--factory", app, "--slot-size", slot);
        Assert.True(code == ExitCodes.Ok, stderr);
        Assert.Equal(ExitCodes.Ok, Run("flash", "boot", PathOf("dev.bin")).Code);
        // ota_0's size in the table at 0x8000 is the slot size.
        var table = EspOta.Partitions.PartitionTable.FromBinary(File.ReadAllBytes(PathOf("dev.bin")).AsSpan(0x8000, 0xC00));
        Assert.Equal(expected, (int)table.FindFirst(label: "ota_0")!.Size);
    }

    [Fact]
    public void PartitionsVerify_EmptyFile_Invalid()
    {
        File.WriteAllBytes(PathOf("empty.csv"), []);
        var (code, stdout, stderr) = Run("partitions", "verify", PathOf("empty.csv"));
        Assert.Equal(ExitCodes.Failure, code);
        Assert.DoesNotContain("valid partition table", stdout, StringComparison.Ordinal);
        Assert.Contains("empty", stderr, StringComparison.Ordinal);
    }

    [Fact]
    public void PartitionsVerify_OnlyComments_NoPartitions_Invalid()
    {
        File.WriteAllText(PathOf("comments.csv"), "# Name, Type, SubType, Offset, Size\n");
        var (code, stdout, _) = Run("partitions", "verify", PathOf("comments.csv"), "--json");
        Assert.Equal(ExitCodes.Failure, code);
        using var doc = JsonDocument.Parse(stdout);
        Assert.False(doc.RootElement.GetProperty("valid").GetBoolean());
    }

    [Fact]
    public void PartitionsGen_AppImageInsteadOfTable_DetectedAsBinary()
    {
        string app = BuildApp();
        var (code, _, stderr) = Run("partitions", "gen", app, PathOf("out.bin"));
        Assert.Equal(ExitCodes.Usage, code); // gen_esp32part.py's InputError exit status
        Assert.Contains("not a partition table", stderr, StringComparison.Ordinal);
        Assert.DoesNotContain("CSV", stderr.Replace("a CSV table is text", "", StringComparison.Ordinal), StringComparison.Ordinal);
        Assert.False(File.Exists(PathOf("out.bin")));
    }

    [Fact]
    public void ImageBuild_UnwritablePlace_SaysWhy()
    {
        // Tests run as root here, so file modes stop nothing; /proc refuses new files to everyone.
        Assert.True(OperatingSystem.IsLinux(), "this test needs Linux's /proc");
        var (code, _, stderr) = Run("image", "build", "--chip", "esp32", "-o", "/proc/esp-ota-app.bin");
        Assert.Equal(ExitCodes.Failure, code);
        Assert.Contains("cannot write app image /proc/esp-ota-app.bin", stderr, StringComparison.Ordinal);
        Assert.DoesNotContain("Could not find", stderr, StringComparison.Ordinal);
    }

    [Fact]
    public void ImageBuild_MissingFolder_SaysWhich()
    {
        var (code, _, stderr) = Run("image", "build", "--chip", "esp32", "-o", PathOf("nope/app.bin"));
        Assert.Equal(ExitCodes.Usage, code);
        Assert.Contains($"the folder {PathOf("nope")} does not exist", stderr, StringComparison.Ordinal);
    }

    [Fact]
    public void ImageBuild_Padded_PrintsSha256OfTheFileWritten()
    {
        var (code, stdout, _) = Run("image", "build", "--chip", "esp32", "--size", "1536K", "-o", PathOf("pad.bin"));
        Assert.Equal(ExitCodes.Ok, code);
        var bytes = File.ReadAllBytes(PathOf("pad.bin"));
        Assert.Equal(1536 * 1024, bytes.Length);
        Assert.Contains($"sha256 {Convert.ToHexStringLower(SHA256.HashData(bytes))}", stdout, StringComparison.Ordinal);

        var (_, json, _) = Run("image", "build", "--chip", "esp32", "--size", "1536K", "-o", PathOf("pad2.bin"), "--json");
        using var doc = JsonDocument.Parse(json);
        Assert.Equal(Convert.ToHexStringLower(SHA256.HashData(File.ReadAllBytes(PathOf("pad2.bin")))), doc.RootElement.GetProperty("sha256").GetString());
    }

    [Fact]
    public void Output_ReplacedAtomically_NoTempFilesLeft()
    {
        File.WriteAllText(PathOf("app.bin"), "old");
        BuildApp();
        Assert.Equal(["app.bin"], Directory.GetFiles(_dir).Select(Path.GetFileName));
    }
}
