using System.Text.Json;
using EspOta.Security;

namespace EspOta.Tests.Security;

/// <summary>The <c>secure-boot/</c> vectors (espsecure v4.8.1): keys, inputs and cases from <c>index.json</c>.</summary>
public static class SecureBootVectors
{
    private static readonly Lazy<JsonDocument> Index = new(() => Vectors.ReadJson("secure-boot", "index.json"));

    public static JsonElement Root => Index.Value.RootElement;

    public static string PathOf(string relative) => Vectors.PathOf("secure-boot", relative);

    public static IEnumerable<JsonElement> Keys => Root.GetProperty("keys").EnumerateArray();

    public static IEnumerable<JsonElement> Cases => Root.GetProperty("cases").EnumerateArray();

    public static JsonElement Key(string name) => Keys.Single(k => k.GetProperty("name").GetString() == name);

    public static JsonElement Case(string name) => Cases.Single(c => c.GetProperty("name").GetString() == name);

    public static TheoryData<string> KeyNames() => [.. Keys.Select(k => k.GetProperty("name").GetString()!)];

    public static TheoryData<string> CaseNames() => [.. Cases.Select(c => c.GetProperty("name").GetString()!)];

    public static TheoryData<string> FileCaseNames() =>
        [.. Cases.Where(c => c.GetProperty("file").ValueKind == JsonValueKind.String).Select(c => c.GetProperty("name").GetString()!)];

    public static TheoryData<string> InputNames() => [.. Root.GetProperty("inputs").EnumerateArray().Select(i => i.GetProperty("name").GetString()!)];

    public static string PrivatePem(string key) => File.ReadAllText(PathOf(Key(key).GetProperty("private_pem").GetString()!));

    public static string PublicPem(string key) => File.ReadAllText(PathOf(Key(key).GetProperty("public_pem").GetString()!));

    public static SecureBootKeyDigest Digest(string key) =>
        SecureBootKeyDigest.FromBytes(File.ReadAllBytes(PathOf(Key(key).GetProperty("digest_file").GetString()!)));

    public static byte[] CaseFile(JsonElement c) => File.ReadAllBytes(PathOf(c.GetProperty("file").GetString()!));

    public static SignatureScheme SchemeOf(string key) =>
        SignatureSchemes.TryParse(Key(key).GetProperty("scheme").GetString(), out var s) ? s : throw new InvalidDataException(key);
}
