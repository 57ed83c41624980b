using System.Text;
using System.Text.Json;
using EspOta.Cli;
using EspOta.Tests.Shared;

namespace EspOta.Tests.Cli;

public sealed class PartitionsCommandTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("espota-cli-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private static string Valid(string file) => Vectors.PathOf("partition-tables", "valid", file);

    private static string Invalid(string file) => Vectors.PathOf("partition-tables", "invalid", file);

    private static (int Code, string Out, string Err) Run(params string[] args)
        => EspOta.Tests.Shared.CliRunner.Run(args);

    [Fact]
    public void Gen_CsvToFile_WritesTheToolsBinary()
    {
        string output = Path.Combine(_dir, "sub", "table.bin");
        var (code, _, err) = Run("partitions", "gen", "--flash-size", "4MB", "--", Valid("arduino__default.csv"), output);
        Assert.Equal(ExitCodes.Ok, code);
        Assert.Equal(File.ReadAllBytes(Valid("arduino__default.bin")), File.ReadAllBytes(output));
        Assert.Equal("Parsing CSV input...\nVerifying table...\n", err);
    }

    [Fact]
    public void Gen_CsvToStdout_WritesBinaryBytes()
    {
        using var buffer = new MemoryStream();
        using var stdout = new StreamWriter(buffer, new UTF8Encoding(false));
        int code = CliRunner.Run(["partitions", "gen", "-q", "--offset", "0x9000", Valid("option_offset_0x9000.csv")], stdout, new StringWriter());
        stdout.Flush();
        Assert.Equal(ExitCodes.Ok, code);
        Assert.Equal(File.ReadAllBytes(Valid("option_offset_0x9000.bin")), buffer.ToArray());
    }

    [Fact]
    public void Gen_BinaryToStdoutAndFile_WritesTheToolsCsv()
    {
        string expected = File.ReadAllText(Valid("idf__bin__partitions.from-bin.csv"));
        var (code, stdout, _) = Run("partitions", "gen", Valid("idf__bin__partitions.bin"));
        Assert.Equal(ExitCodes.Ok, code);
        Assert.Equal(expected, stdout);

        string output = Path.Combine(_dir, "table.csv");
        Assert.Equal(ExitCodes.Ok, Run("partitions", "gen", Valid("idf__bin__partitions.bin"), output).Code);
        Assert.Equal(expected, File.ReadAllText(output));
    }

    [Fact]
    public void Gen_ExtraSubtypes_TakeSeveralValues()
    {
        string output = Path.Combine(_dir, "custom.bin");
        var (code, _, _) = Run("partitions", "gen", "--extra-partition-subtypes", "app,my_app1,0x40", "app,my_app2,0x41", "--",
            Valid("idf__ta__build_system__custom_partition_subtypes__partitions.csv"), output);
        Assert.Equal(ExitCodes.Ok, code);
        Assert.Equal(File.ReadAllBytes(Valid("idf__ta__build_system__custom_partition_subtypes__partitions.bin")), File.ReadAllBytes(output));
    }

    [Fact]
    public void Gen_InvalidCsv_ExitsTwoWithTheToolsBareMessage()
    {
        var (code, _, err) = Run("partitions", "gen", Invalid("otadata_wrong_size.csv"), Path.Combine(_dir, "x.bin"));
        Assert.Equal(2, code);
        Assert.Contains("otadata partition must have size = 0x2000", err, StringComparison.Ordinal);
        Assert.DoesNotContain("esp-ota: error", err, StringComparison.Ordinal);
        Assert.False(File.Exists(Path.Combine(_dir, "x.bin")));
    }

    [Fact]
    public void Show_Json_ListsRowsWithRoles()
    {
        var (code, stdout, _) = Run("partitions", "show", "--json", Valid("ota_0_to_15_and_test.csv"));
        Assert.Equal(ExitCodes.Ok, code);
        using var doc = JsonDocument.Parse(stdout);
        var rows = doc.RootElement.GetProperty("partitions").EnumerateArray().ToList();
        Assert.Equal(20, rows.Count);
        var ota3 = rows.Single(r => r.GetProperty("name").GetString() == "ota_3");
        Assert.Equal("OTA slot 3", ota3.GetProperty("role").GetString());
        Assert.Equal(0x13, ota3.GetProperty("subtype").GetInt32());
        Assert.Equal("otadata", rows.Single(r => r.GetProperty("role").GetString()!.StartsWith("otadata", StringComparison.Ordinal)).GetProperty("name").GetString());
        Assert.True(doc.RootElement.GetProperty("md5").GetBoolean());
    }

    [Fact]
    public void Show_Table_NamesEveryPartitionAndRole()
    {
        var (code, stdout, _) = Run("partitions", "show", Valid("idf__partition_table__partitions_two_ota_large.bin"));
        Assert.Equal(ExitCodes.Ok, code);
        Assert.Contains("OTA slot 1", stdout, StringComparison.Ordinal);
        Assert.Contains("otadata (which OTA slot boots)", stdout, StringComparison.Ordinal);
        Assert.Contains("MD5 row yes", stdout, StringComparison.Ordinal);
    }

    [Fact]
    public void Verify_ExitCodes_ZeroOneTwo()
    {
        Assert.Equal(ExitCodes.Ok, Run("partitions", "verify", Valid("idf__partition_table__partitions_two_ota_large.csv")).Code);
        Assert.Equal(ExitCodes.Ok, Run("partitions", "verify", Valid("idf__partition_table__partitions_two_ota_large.bin")).Code);
        Assert.Equal(ExitCodes.Failure, Run("partitions", "verify", Invalid("duplicate_names.csv")).Code);
        Assert.Equal(ExitCodes.Failure, Run("partitions", "verify", Invalid("bin_md5_mismatch.bin")).Code);
        Assert.Equal(ExitCodes.Usage, Run("partitions", "verify", Path.Combine(_dir, "missing.csv")).Code);
        Assert.Equal(ExitCodes.Usage, Run("partitions", "verify", "--flash-size", "3MB", Valid("arduino__default.csv")).Code);
        Assert.Equal(ExitCodes.Usage, Run("partitions", "verify", "--offset", "zz", Valid("arduino__default.csv")).Code);
        Assert.Equal(ExitCodes.Usage, Run("partitions", "verify").Code);
    }

    [Fact]
    public void Verify_Json_ReportsVerdict()
    {
        var (code, stdout, _) = Run("partitions", "verify", "--json", Invalid("nvs_too_small.csv"));
        Assert.Equal(ExitCodes.Failure, code);
        using var doc = JsonDocument.Parse(stdout);
        Assert.False(doc.RootElement.GetProperty("valid").GetBoolean());
        Assert.Contains("must be flagged as 'readonly'", doc.RootElement.GetProperty("error").GetString(), StringComparison.Ordinal);

        (code, stdout, _) = Run("partitions", "verify", "--json", "--flash-size", "4MB", Valid("arduino__default.csv"));
        Assert.Equal(ExitCodes.Ok, code);
        using var ok = JsonDocument.Parse(stdout);
        Assert.True(ok.RootElement.GetProperty("valid").GetBoolean());
    }
}
