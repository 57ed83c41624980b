using System.Text.Json.Serialization;

namespace EspOta.Http;

/// <summary>
/// A patch the server offers next to the full image: an esp_delta_ota patch (64-byte header + detools
/// sequential patch) from the device's running image to the offered one.
/// </summary>
/// <param name="Url">Where to download the patch (relative to the server, like the image URL).</param>
/// <param name="Size">The patch's size in bytes (what is downloaded).</param>
/// <param name="Sha256">SHA-256 of the patch file (its ETag).</param>
/// <param name="BaseSha256">The running image's appended SHA-256 the patch applies to (<c>esp_partition_get_sha256</c>).</param>
public sealed record DeltaOffer(
    [property: JsonPropertyName("url")] string Url,
    [property: JsonPropertyName("size")] long Size,
    [property: JsonPropertyName("sha256")] string Sha256,
    [property: JsonPropertyName("base_sha256")] string BaseSha256);
