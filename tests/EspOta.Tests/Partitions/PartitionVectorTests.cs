using System.Text;
using EspOta.Partitions;
using Xunit.Abstractions;

namespace EspOta.Tests.Partitions;

/// <summary>Every case of <c>partition-tables/index.json</c> (gen_esp32part.py v5.5.5 outputs).</summary>
public sealed class PartitionVectorTests(ITestOutputHelper output)
{
    public static TheoryData<string> CaseNames()
    {
        var data = new TheoryData<string>();
        foreach (var c in PartitionVectorCase.All)
        {
            data.Add(c.Name);
        }

        return data;
    }

    [Fact]
    public void Index_AllCases_AreEnumerated()
    {
        int count = PartitionVectorCase.All.Count;
        output.WriteLine($"partition-table vector cases: {count} " +
            $"(valid csv {PartitionVectorCase.All.Count(c => c is { Kind: "valid", InputFormat: "csv" })}, " +
            $"valid bin {PartitionVectorCase.All.Count(c => c is { Kind: "valid", InputFormat: "bin" })}, " +
            $"invalid {PartitionVectorCase.All.Count(c => c.Kind == "invalid")})");
        Assert.Equal(count, CaseNames().Count);
        Assert.True(count >= 156, $"expected the whole public corpus, found {count} cases");
    }

    [Theory]
    [MemberData(nameof(CaseNames))]
    public void Convert_VectorCase_MatchesGenEsp32Part(string name)
    {
        var c = PartitionVectorCase.All.Single(x => x.Name == name);
        if (c.InputFormat == "csv")
        {
            CheckCsvInput(c);
        }

        if (c.Kind == "valid" || c.InputFormat == "bin")
        {
            CheckBinaryInput(c);
        }
    }

    private static void CheckCsvInput(PartitionVectorCase c)
    {
        byte[] csv = File.ReadAllBytes(Vectors.PathOf("partition-tables", c.Csv!));
        var options = ToolArguments.Parse(c.Args);
        var stderr = new StringWriter();
        if (c.Kind == "valid")
        {
            var result = PartitionTableConverter.Convert(csv, options, stderr);
            Assert.False(result.InputIsBinary);
            Assert.Equal(File.ReadAllBytes(Vectors.PathOf("partition-tables", c.Bin!)), result.Output);
            Assert.Equal(c.Warnings ?? [], result.Warnings);
            Assert.Equal(StatusLines("Parsing CSV input...", "Verifying table...") + Lines(c.Warnings), stderr.ToString());
            return;
        }

        var error = Assert.Throws<PartitionTableException>(() => PartitionTableConverter.Convert(csv, options, stderr));
        AssertToolError(c.ExitCode, c.ErrorContains, c.ErrorFile, stderr, error);
    }

    private static void CheckBinaryInput(PartitionVectorCase c)
    {
        byte[] bin = File.ReadAllBytes(Vectors.PathOf("partition-tables", c.Bin!));
        var options = ToolArguments.Parse(c.FromBinArgs ?? c.Args);
        var stderr = new StringWriter();
        if (c.FromBinExitCode == 0)
        {
            var result = PartitionTableConverter.Convert(bin, options, stderr);
            Assert.True(result.InputIsBinary);
            Assert.Equal(File.ReadAllText(Vectors.PathOf("partition-tables", c.FromBinCsv!)), Encoding.UTF8.GetString(result.Output));
            Assert.Equal(c.FromBinWarnings ?? [], result.Warnings);
            // Unknown flag bits are reported while reading, the name warnings while verifying.
            var readWarnings = (c.FromBinWarnings ?? []).Where(w => w.StartsWith("WARNING: Partition definition had unknown flag", StringComparison.Ordinal)).ToArray();
            var verifyWarnings = (c.FromBinWarnings ?? []).Except(readWarnings).ToArray();
            Assert.Equal(
                StatusLines("Parsing binary partition input...") + Lines(readWarnings) + StatusLines("Verifying table...") + Lines(verifyWarnings),
                stderr.ToString());
            return;
        }

        var error = Assert.Throws<PartitionTableException>(() => PartitionTableConverter.Convert(bin, options, stderr));
        AssertToolError(c.FromBinExitCode ?? 2, c.FromBinErrorContains, c.FromBinError, stderr, error);
    }

    private static void AssertToolError(int exitCode, string? contains, string? errorFile, StringWriter stderr, PartitionTableException error)
    {
        if (exitCode != 2)
        {
            // The tool crashed (exit 1); rejecting the input is all that is asked.
            return;
        }

        Assert.Contains(contains!, error.Message, StringComparison.Ordinal);

        // What the tool wrote to stderr: status lines and warnings, then the message.
        string expected = File.ReadAllText(Vectors.PathOf("partition-tables", errorFile!));
        Assert.Equal(expected, stderr + error.Message + "\n");
    }

    private static string StatusLines(params string[] lines) => string.Concat(lines.Select(l => l + "\n"));

    private static string Lines(string[]? lines) => string.Concat((lines ?? []).Select(l => l + "\n"));
}
