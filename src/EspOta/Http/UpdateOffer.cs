using System.Text.Json.Serialization;

namespace EspOta.Http;

/// <summary>The server's answer when there is firmware for the device to fetch.</summary>
/// <param name="Url">Where to download the image: relative to the server's base address, or absolute on the same scheme, host and port (the client refuses any other).</param>
/// <param name="Size">Size in bytes of what <paramref name="Url"/> serves: the image, or for an <see cref="Encrypted"/> offer the esp_encrypted_img file.</param>
/// <param name="Sha256">SHA-256 of exactly the bytes <paramref name="Url"/> serves, lowercase hex (also the download's ETag and the firmware's id): the image, or the encrypted file.</param>
/// <param name="Project">The image's <c>project_name</c>.</param>
/// <param name="Version">The image's <c>version</c>.</param>
/// <param name="SecureVersion">The image's <c>secure_version</c>.</param>
/// <param name="Chip">esptool chip name the image is built for.</param>
public sealed record UpdateOffer(
    [property: JsonPropertyName("url")] string Url,
    [property: JsonPropertyName("size")] long Size,
    [property: JsonPropertyName("sha256")] string Sha256,
    [property: JsonPropertyName("project")] string Project,
    [property: JsonPropertyName("version")] string Version,
    [property: JsonPropertyName("secure_version")] uint SecureVersion,
    [property: JsonPropertyName("chip")] string Chip)
{
    /// <summary>A patch from the device's running image to this one, when the server has one worth using; else null (full image).</summary>
    [JsonPropertyName("patch")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public DeltaOffer? Patch { get; init; }

    /// <summary>
    /// Whether the download is an esp_encrypted_img file for the device's key (the server encrypted
    /// the image at upload): the client decrypts it on the fly (<c>Payloads.DecryptingPayloadStage</c>).
    /// </summary>
    [JsonPropertyName("encrypted")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingDefault)]
    public bool Encrypted { get; init; }

    /// <summary>For an <see cref="Encrypted"/> offer: SHA-256 of the plain image (what lands on flash), lowercase hex; null otherwise.</summary>
    [JsonPropertyName("image_sha256")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? ImageSha256 { get; init; }

    /// <summary>For an <see cref="Encrypted"/> offer: size of the plain image in bytes; null otherwise.</summary>
    [JsonPropertyName("image_size")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public long? ImageSize { get; init; }

    /// <summary>
    /// When the project has a signing policy: the digests (lowercase hex, as eFuse stores them) of the still-trusted
    /// Secure Boot v2 keys whose signature blocks verify over the image, sorted; else null.
    /// </summary>
    [JsonPropertyName("signed_by")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public IReadOnlyList<string>? SignedBy { get; init; }
}
