using System.Text.Json;

namespace EspOta.Tests.Delta;

/// <summary>The delta vectors (<c>../shared/vectors/delta/index.json</c>): images and patch cases.</summary>
internal static class DeltaVectors
{
    private static readonly Lazy<JsonDocument> Index = new(() => Vectors.ReadJson("delta", "index.json"));

    public static JsonElement Root => Index.Value.RootElement;

    public static IEnumerable<JsonElement> Cases => Root.GetProperty("cases").EnumerateArray();

    public static JsonElement Case(string name) => Cases.Single(c => c.GetProperty("name").GetString() == name);

    public static JsonElement Image(string name) =>
        Root.GetProperty("images").EnumerateArray().Single(i => i.GetProperty("name").GetString() == name);

    public static byte[] ImageBytes(string name) => File.ReadAllBytes(Vectors.PathOf("delta", "images", name + ".bin"));

    public static bool HasPatch(JsonElement c) => File.Exists(PatchPath(c));

    public static string PatchPath(JsonElement c) => Vectors.PathOf("delta", "patches", c.GetProperty("name").GetString() + ".bin");

    public static bool HasHeader(JsonElement c) => c.TryGetProperty("has_header", out var h) && h.ValueKind == JsonValueKind.True;

    /// <summary>The detools part of the case's patch (the 64-byte header dropped where present).</summary>
    public static byte[] DetoolsPatch(JsonElement c)
    {
        var bytes = File.ReadAllBytes(PatchPath(c));
        return HasHeader(c) ? bytes[64..] : bytes;
    }

    public static TheoryData<string> PatchCaseNames()
    {
        var data = new TheoryData<string>();
        foreach (var c in Cases.Where(HasPatch))
        {
            data.Add(c.GetProperty("name").GetString()!);
        }

        return data;
    }

    /// <summary>The (base, new) image pairs of the cases made by detools or the patch tool.</summary>
    public static TheoryData<string> CreatedCaseNames()
    {
        var data = new TheoryData<string>();
        foreach (var c in Cases.Where(c => HasPatch(c) && c.GetProperty("kind").GetString() is "patch_gen" or "detools"))
        {
            data.Add(c.GetProperty("name").GetString()!);
        }

        return data;
    }
}
