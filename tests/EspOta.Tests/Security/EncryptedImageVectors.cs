using System.Text.Json;

namespace EspOta.Tests.Security;

/// <summary>The cases and keys of <c>shared/vectors/encrypted-images/index.json</c>.</summary>
public static class EncryptedImageVectors
{
    public const string Folder = "encrypted-images";

    private static readonly Lazy<JsonDocument> Index = new(() => Vectors.ReadJson(Folder, "index.json"));

    public static JsonElement Root => Index.Value.RootElement;

    public static string PathOf(string relative) => Vectors.PathOf(Folder, relative);

    public static IEnumerable<JsonElement> Cases => Root.GetProperty("cases").EnumerateArray();

    public static IEnumerable<JsonElement> Keys => Root.GetProperty("keys").EnumerateArray();

    public static JsonElement Case(string name) => Cases.Single(c => c.GetProperty("name").GetString() == name);

    public static JsonElement Key(string name) => Keys.Single(c => c.GetProperty("name").GetString() == name);

    public static TheoryData<string> CaseNames()
    {
        var data = new TheoryData<string>();
        foreach (var c in Cases)
        {
            data.Add(c.GetProperty("name").GetString()!);
        }

        return data;
    }

    public static TheoryData<string> KeyNames()
    {
        var data = new TheoryData<string>();
        foreach (var k in Keys)
        {
            data.Add(k.GetProperty("name").GetString()!);
        }

        return data;
    }

    public static IEnumerable<string> KeyFiles(string key) =>
        Key(key).GetProperty("files").EnumerateArray().Select(f => f.GetString()!);

    public static string KeyFile(string key, string file) => PathOf($"keys/{key}/{file}");

    public static string? Text(this JsonElement e, string property) =>
        e.TryGetProperty(property, out var v) && v.ValueKind == JsonValueKind.String ? v.GetString() : null;

    public static bool? Flag(this JsonElement e, string property) =>
        e.TryGetProperty(property, out var v) && v.ValueKind is JsonValueKind.True or JsonValueKind.False ? v.GetBoolean() : null;

    /// <summary>Whether the device rejects a case (the tool's verdict, or the C behaviour recorded for it).</summary>
    public static bool DeviceRejects(JsonElement c) =>
        c.Flag("tool_accepts") != true
        || (c.Text("device_behaviour") is string b && b.Contains("REJECTED", StringComparison.OrdinalIgnoreCase));
}
