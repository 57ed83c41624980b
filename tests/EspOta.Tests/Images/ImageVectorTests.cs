using System.Text.Json;
using System.Text.Json.Nodes;
using EspOta.Cli.Commands;
using EspOta.Images;
using Xunit.Abstractions;

namespace EspOta.Tests.Images;

/// <summary>Every fact of every image vector (esptool v4.8.1 output) reproduced by <see cref="AppImage"/>.</summary>
public sealed class ImageVectorTests(ITestOutputHelper output)
{
    // Provenance only: not facts about the bytes.
    private static readonly HashSet<string> NotFacts = ["name", "source", "note"];

    public static TheoryData<string> Cases()
    {
        var data = new TheoryData<string>();
        using var index = Vectors.ReadJson("images", "index.json");
        foreach (var entry in index.RootElement.EnumerateArray())
        {
            data.Add(entry.GetProperty("name").GetString()!);
        }

        return data;
    }

    [Fact]
    public void Index_Loads_HasAllCases()
    {
        using var index = Vectors.ReadJson("images", "index.json");
        int count = index.RootElement.GetArrayLength();
        output.WriteLine($"{count} image vectors");
        Assert.True(count >= 44, $"expected at least 44 image vectors, found {count}");
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void Parse_Vector_ReproducesEveryFact(string name)
    {
        var expected = JsonNode.Parse(File.ReadAllText(Vectors.PathOf("images", name + ".json")))!.AsObject();
        var bytes = File.ReadAllBytes(Vectors.PathOf("images", name + ".bin"));
        var chip = Chip.FromName(expected["chip"]!.GetValue<string>()) ?? throw new InvalidOperationException("unknown chip");

        if (expected["error"] is not null)
        {
            var ex = Assert.Throws<ImageFormatException>(() => AppImage.Parse(bytes, chip));
            output.WriteLine($"{name}: esptool: {expected["error"]}; ours: {ex.Message}");
            Assert.InRange(ex.Offset, 0, bytes.Length);
            // The recorded reason is "<ExceptionType>: <message>"; ours must give the same reason.
            string reason = expected["error"]!.GetValue<string>();
            reason = reason[(reason.IndexOf(": ", StringComparison.Ordinal) + 2)..];
            if (System.Text.RegularExpressions.Regex.Match(reason, @"^\('(.*%02x.*)', (\d+)\)$") is { Success: true } tuple)
            {
                // esptool 4.8.1 passes the append_digest message and its value to RuntimeError as two
                // arguments, so Python prints the tuple; ours is the message formatted (documented difference).
                reason = tuple.Groups[1].Value.Replace("%02x", int.Parse(tuple.Groups[2].Value).ToString("x2"), StringComparison.Ordinal);
            }

            Assert.Contains(reason, ex.Message, StringComparison.Ordinal);
            return;
        }

        var image = AppImage.Parse(bytes, chip);
        var actual = ImageInfoJson.Build(image);
        var mismatches = new List<string>();
        int facts = 0;
        foreach (var (key, value) in expected)
        {
            if (NotFacts.Contains(key))
            {
                continue;
            }

            facts++;
            if (!actual.TryGetPropertyValue(key, out var mine))
            {
                mismatches.Add($"{key}: missing");
            }
            else if (!JsonNode.DeepEquals(value, mine))
            {
                mismatches.Add($"{key}: expected {value?.ToJsonString() ?? "null"}, got {mine?.ToJsonString() ?? "null"}");
            }
        }

        output.WriteLine($"{name}: {facts - mismatches.Count}/{facts} facts reproduced");
        Assert.True(mismatches.Count == 0, $"{name}:\n" + string.Join("\n", mismatches));
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void Parse_VectorFromStreamAndAutoChip_SameFacts(string name)
    {
        using var doc = Vectors.ReadJson("images", name + ".json");
        if (doc.RootElement.GetProperty("error").ValueKind != JsonValueKind.Null)
        {
            using var failing = File.OpenRead(Vectors.PathOf("images", name + ".bin"));
            Assert.Throws<ImageFormatException>(() => AppImage.Parse(failing, Chip.FromName(doc.RootElement.GetProperty("chip").GetString())));
            return;
        }

        var bytes = File.ReadAllBytes(Vectors.PathOf("images", name + ".bin"));
        var chip = Chip.FromName(doc.RootElement.GetProperty("chip").GetString())!;
        using var stream = File.OpenRead(Vectors.PathOf("images", name + ".bin"));
        var fromStream = AppImage.Parse(stream, chip);
        var fromSpan = AppImage.Parse(bytes, chip);
        Assert.True(JsonNode.DeepEquals(ImageInfoJson.Build(fromSpan), ImageInfoJson.Build(fromStream)));
        Assert.Equal(AutoChip(doc.RootElement), AppImage.DetectChip(bytes));
    }

    /// <summary>
    /// The chip <c>image_info --chip auto</c> picks for a vector: the one whose <c>IMAGE_CHIP_ID</c> is the
    /// header's chip id (recorded as <c>chip_id</c>), not the chip the vector was parsed for; the ESP8266
    /// when the id names no chip or the header has none.
    /// </summary>
    internal static Chip AutoChip(JsonElement facts)
    {
        if (facts.GetProperty("chip_id").ValueKind == JsonValueKind.Null || facts.GetProperty("chip_id_name").ValueKind == JsonValueKind.Null)
        {
            return Chip.Esp8266;
        }

        int id = facts.GetProperty("chip_id").GetInt32();
        return Chip.All.First(c => c.KnownToEsptool && c.ImageChipId == id);
    }
}
