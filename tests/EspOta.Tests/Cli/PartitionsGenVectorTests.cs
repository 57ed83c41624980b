using EspOta.Cli;
using EspOta.Tests.Partitions;
using Xunit.Abstractions;
using EspOta.Tests.Shared;

namespace EspOta.Tests.Cli;

/// <summary>
/// <c>esp-ota partitions gen</c> on every table gen_esp32part.py v5.5.5 refuses: the exit status and the
/// complete stderr the tool gave (<c>index.json</c> <c>exit_code</c> and <c>error_file</c>), and no output file.
/// </summary>
public sealed class PartitionsGenVectorTests(ITestOutputHelper output) : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("espota-gen-vectors-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    public static TheoryData<string> RefusedCases()
    {
        var data = new TheoryData<string>();
        foreach (var c in PartitionVectorCase.All.Where(c => c.Kind == "invalid" || c.FromBinExitCode is not (null or 0)))
        {
            data.Add(c.Name);
        }

        return data;
    }

    [Fact]
    public void RefusedCases_CoverEveryInvalidVector()
    {
        int invalid = PartitionVectorCase.All.Count(c => c.Kind == "invalid");
        output.WriteLine($"{RefusedCases().Count} refused inputs, {invalid} invalid cases");
        Assert.True(invalid >= 26, $"expected the public corpus' 26 invalid cases, found {invalid}");
        Assert.True(RefusedCases().Count >= invalid);
    }

    [Theory]
    [MemberData(nameof(RefusedCases))]
    public void Gen_RefusedTable_ExitCodeAndStderrOfTheTool(string name)
    {
        var c = PartitionVectorCase.All.Single(x => x.Name == name);
        bool csv = c.InputFormat == "csv" && c.Kind == "invalid";
        string input = Vectors.PathOf("partition-tables", csv ? c.Csv! : c.Bin!);
        string[] toolArgs = csv ? c.Args : c.FromBinArgs ?? c.Args;
        int toolExit = csv ? c.ExitCode : c.FromBinExitCode!.Value;
        string? errorFile = csv ? c.ErrorFile : c.FromBinError;
        string target = Path.Combine(_dir, "out" + (csv ? ".bin" : ".csv"));

        var stdout = new StringWriter();
        var stderr = new StringWriter();
        int code = CliRunner.Run(["partitions", "gen", .. toolArgs, "--", input, target], stdout, stderr);
        output.WriteLine($"{name}: tool exit {toolExit}, ours {code}\n{stderr}");

        Assert.False(File.Exists(target), "a refused table must not leave an output file");
        if (toolExit == 2)
        {
            Assert.Equal(2, code);
            Assert.Equal(File.ReadAllText(Vectors.PathOf("partition-tables", errorFile!)), stderr.ToString().Replace("\r\n", "\n"));
        }
        else
        {
            // The tool crashed (exit 1, a Python traceback); refusing the input cleanly is all that is asked.
            Assert.NotEqual(ExitCodes.Ok, code);
            Assert.DoesNotContain("internal error", stderr.ToString(), StringComparison.Ordinal);
        }
    }
}
