using System.Text.Json;
using System.Text.Json.Serialization.Metadata;

namespace EspOta.Server;

/// <summary>
/// An enum value's JSON name (its <c>JsonStringEnumMemberName</c>, as the API writes it) and back, for
/// database columns, metric labels and dashboard badges — through <see cref="ServerJsonContext"/>, not reflection.
/// </summary>
internal static class WireNames
{
    /// <summary>The name the API writes for <paramref name="value"/> (<c>rolling_back</c>, <c>rolled_back</c>).</summary>
    public static string Of<T>(T value)
        where T : struct, Enum => JsonSerializer.Serialize(value, Info<T>()).Trim('"');

    /// <summary>The value named <paramref name="name"/>.</summary>
    public static T Parse<T>(string name)
        where T : struct, Enum => JsonSerializer.Deserialize($"\"{name}\"", Info<T>());

    private static JsonTypeInfo<T> Info<T>() =>
        ServerJsonContext.Default.GetTypeInfo(typeof(T)) as JsonTypeInfo<T>
        ?? throw new InvalidOperationException($"{typeof(T).Name} is not registered in ServerJsonContext");
}
