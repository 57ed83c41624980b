using System.IO.Compression;
using System.Text.Json;
using Xunit.Abstractions;

namespace EspOta.Tests.Device;

/// <summary>Replays every otadata scenario ESP-IDF v5.5.5's C code produced (vectors/otadata).</summary>
public sealed class OtaDataVectorReplayTests(ITestOutputHelper output)
{
    /// <summary>One theory row per <c>*.jsonl.gz</c> file.</summary>
    public static TheoryData<string> Files()
    {
        var data = new TheoryData<string>();
        foreach (var path in Directory.GetFiles(Vectors.PathOf("otadata"), "*.jsonl.gz").Order(StringComparer.Ordinal))
        {
            data.Add(Path.GetFileName(path));
        }

        return data;
    }

    [Fact]
    public void Files_OtadataFolder_HoldsScenarioFiles()
    {
        // The public corpus has 14 files; an acceptance corpus may have others, so only emptiness fails.
        Assert.NotEmpty(Directory.GetFiles(Vectors.PathOf("otadata"), "*.jsonl.gz"));
    }

    [Theory]
    [MemberData(nameof(Files))]
    public void Replay_EveryScenarioOfFile_MatchesEspIdf(string file)
    {
        var replayer = new OtaDataScenarioReplayer();
        int count = 0;
        using var stream = new GZipStream(File.OpenRead(Vectors.PathOf("otadata", file)), CompressionMode.Decompress);
        using var reader = new StreamReader(stream);
        while (reader.ReadLine() is { } line)
        {
            if (line.Length == 0)
            {
                continue;
            }

            using var scenario = JsonDocument.Parse(line);
            string? mismatch = replayer.Replay(scenario.RootElement);
            Assert.True(mismatch is null, $"{file}: scenario #{count + 1}: {mismatch}");
            count++;
        }

        output.WriteLine($"{file}: {count} scenarios replayed, all matching ESP-IDF v5.5.5");
        Assert.True(count > 0, $"{file} holds no scenarios");
    }

    [Theory]
    [InlineData("result", "booted")]
    [InlineData("otadata_after", "sector1_sha256")]
    public void Replay_TamperedExpectation_ReportsScenarioAndOp(string section, string field)
    {
        using var stream = new GZipStream(File.OpenRead(Vectors.PathOf("otadata", "stories.jsonl.gz")), CompressionMode.Decompress);
        using var reader = new StreamReader(stream);
        var scenario = System.Text.Json.Nodes.JsonNode.Parse(reader.ReadLine()!)!;
        scenario["ops"]![0]![section]![field] = "tampered";

        string? mismatch = new OtaDataScenarioReplayer().Replay(JsonSerializer.SerializeToElement(scenario));

        Assert.NotNull(mismatch);
        Assert.Contains(scenario["id"]!.GetValue<string>() + " op #0", mismatch);
    }
}
