using System.Text.Json;
using System.Text.Json.Nodes;

namespace EspOta.Cli;

/// <summary>
/// The one JSON convention of every <c>--json</c> output: snake_case names, indented. Outputs are
/// built as <see cref="JsonObject"/>s with their snake_case names written out, and the few typed
/// documents go through <see cref="CliJsonContext"/>: no reflection, so native AOT builds print the same.
/// </summary>
internal static class CliJson
{
    /// <summary>The shared serializer options (for JsonNode output; typed documents use <see cref="CliJsonContext"/>).</summary>
    public static readonly JsonSerializerOptions Options = new(JsonSerializerDefaults.Web)
    {
        WriteIndented = true,
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        DictionaryKeyPolicy = null,
    };

    private static readonly JsonSerializerOptions LineOptions = new(Options) { WriteIndented = false };

    /// <summary>The text of <paramref name="node"/> as every command prints it.</summary>
    public static string Format(JsonNode node) => node.ToJsonString(Options);

    /// <summary>
    /// <paramref name="node"/> on one line: for outputs read line by line while the command keeps
    /// running (<c>serve --json</c> prints its address and goes on serving).
    /// </summary>
    public static string FormatLine(JsonNode node) => node.ToJsonString(LineOptions);

    /// <summary>A JSON array of <paramref name="items"/>, each converted by <paramref name="select"/>.</summary>
    public static JsonArray Array<T>(IEnumerable<T> items, Func<T, JsonNode?> select) => new([.. items.Select(select)]);

    /// <summary>A JSON array of strings.</summary>
    public static JsonArray Strings(IEnumerable<string> items) => new([.. items.Select(s => (JsonNode?)JsonValue.Create(s))]);

    /// <summary>A JSON object of counts by name (names kept as they are).</summary>
    public static JsonObject Counts(IEnumerable<KeyValuePair<string, int>> counts)
    {
        var o = new JsonObject();
        foreach (var (key, value) in counts)
        {
            o[key] = value;
        }

        return o;
    }
}
