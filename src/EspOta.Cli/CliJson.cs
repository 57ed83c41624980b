using System.Text.Json;

namespace EspOta.Cli;

/// <summary>The one JSON convention of every <c>--json</c> output: snake_case names, indented.</summary>
internal static class CliJson
{
    /// <summary>The shared serializer options.</summary>
    public static readonly JsonSerializerOptions Options = new(JsonSerializerDefaults.Web)
    {
        WriteIndented = true,
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        DictionaryKeyPolicy = null,
    };
}
