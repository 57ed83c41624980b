using System.Text.Json;
using EspOta.Cli;
using EspOta.Partitions;
using EspOta.Tests.Shared;

namespace EspOta.Tests.Torture;

public sealed class TortureCommandTests
{
    [Fact]
    public void Run_TortureJson_ReportsCountsAndTheKnownFindingAndExitsOk()
    {
        var (code, stdout, _) = Cli("torture", "--scenario", "mark-valid", "--seed", "7", "--json");

        Assert.Equal(ExitCodes.Ok, code);
        using var json = JsonDocument.Parse(stdout);
        var report = Assert.Single(json.RootElement.GetProperty("scenarios").EnumerateArray());
        Assert.Equal("mark-valid", report.GetProperty("scenario").GetString());
        Assert.False(report.GetProperty("rollback").GetBoolean());
        Assert.Equal(7, report.GetProperty("seed").GetInt32());
        Assert.Equal(2, report.GetProperty("operations").GetInt32());
        var finding = Assert.Single(report.GetProperty("findings").EnumerateArray());
        Assert.True(finding.GetProperty("known_esp_idf_behaviour").GetBoolean());
        Assert.Equal("ConfirmedAppLost", finding.GetProperty("kind").GetString());
        Assert.Equal(0, json.RootElement.GetProperty("new_findings").GetInt32());
    }

    [Fact]
    public void Run_TortureWithRollback_PrintsTheSummaryTable()
    {
        var (code, stdout, _) = Cli("torture", "--scenario", "rollback", "--scenario", "erase-last-boot-app", "--rollback");

        Assert.Equal(ExitCodes.Ok, code);
        Assert.Contains("Cut points", stdout);
        Assert.Contains("erase-last-boot-app", stdout);
        Assert.Contains("No violations", stdout);
    }

    [Fact]
    public void Run_TortureDump_WritesTheCutFlashOfEachFinding()
    {
        string folder = Path.Combine(Path.GetTempPath(), $"esp-ota-torture-{Guid.NewGuid():N}");
        try
        {
            var (code, _, _) = Cli("torture", "--scenario", "mark-valid", "--json", "--dump", folder);

            Assert.Equal(ExitCodes.Ok, code);
            string file = Assert.Single(Directory.GetFiles(folder));
            byte[] flash = File.ReadAllBytes(file);
            var table = PartitionTable.FromBinary(flash.AsSpan((int)PartitionTable.DefaultOffset, PartitionTable.MaxLength));
            Assert.NotNull(table.FindFirst(label: "otadata"));
        }
        finally
        {
            if (Directory.Exists(folder))
            {
                Directory.Delete(folder, recursive: true);
            }
        }
    }

    [Theory]
    [InlineData("--scenario", "no-such-scenario")]
    [InlineData("--image-size", "12Q")]
    public void Run_TortureBadArguments_ExitsWithUsage(string option, string value)
    {
        var (code, _, stderr) = Cli("torture", option, value, "--json");

        Assert.Equal(ExitCodes.Usage, code);
        Assert.NotEmpty(stderr);
    }

    private static (int Code, string Stdout, string Stderr) Cli(params string[] args)
    {
        var stdout = new StringWriter();
        var stderr = new StringWriter();
        int code = CliRunner.Run(args, stdout, stderr);
        return (code, stdout.ToString(), stderr.ToString());
    }
}
