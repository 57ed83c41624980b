using System.Text.Json;

namespace EspOta.Tests.Partitions;

/// <summary>One entry of <c>partition-tables/index.json</c>.</summary>
public sealed record PartitionVectorCase(
    string Name,
    string Kind,
    string InputFormat,
    string? Csv,
    string? Bin,
    string? FromBinCsv,
    string[] Args,
    int ExitCode,
    string? ErrorContains,
    string? ErrorFile,
    string[]? Warnings,
    string[]? FromBinArgs,
    int? FromBinExitCode,
    string? FromBinErrorContains,
    string? FromBinError,
    string[]? FromBinWarnings)
{
    public static IReadOnlyList<PartitionVectorCase> All { get; } = Load();

    public override string ToString() => Name;

    private static List<PartitionVectorCase> Load()
    {
        using var doc = Vectors.ReadJson("partition-tables", "index.json");
        return [.. doc.RootElement.EnumerateArray().Select(e => new PartitionVectorCase(
            e.GetProperty("name").GetString()!,
            e.GetProperty("kind").GetString()!,
            e.GetProperty("input_format").GetString()!,
            Str(e, "csv"),
            Str(e, "bin"),
            Str(e, "from_bin_csv"),
            Strs(e, "args") ?? [],
            e.GetProperty("exit_code").GetInt32(),
            Str(e, "error_contains"),
            Str(e, "error_file"),
            Strs(e, "warnings"),
            Strs(e, "from_bin_args"),
            e.GetProperty("from_bin_exit_code").ValueKind == JsonValueKind.Null ? null : e.GetProperty("from_bin_exit_code").GetInt32(),
            Str(e, "from_bin_error_contains"),
            Str(e, "from_bin_error"),
            Strs(e, "from_bin_warnings")))];
    }

    private static string? Str(JsonElement e, string key) =>
        e.GetProperty(key).ValueKind == JsonValueKind.Null ? null : e.GetProperty(key).GetString();

    private static string[]? Strs(JsonElement e, string key) =>
        e.GetProperty(key).ValueKind == JsonValueKind.Null ? null : [.. e.GetProperty(key).EnumerateArray().Select(x => x.GetString()!)];
}
