using System.Text.Json.Serialization;

namespace EspOta.Server.Firmware;

/// <summary>An image in the firmware repository, as the API returns it.</summary>
/// <param name="Sha256">SHA-256 of the stored file (the image, or for an encrypted image the esp_encrypted_img file), lowercase hex: the firmware's id, file name and ETag.</param>
/// <param name="Project">The app's <c>project_name</c>.</param>
/// <param name="Version">The app's <c>version</c>.</param>
/// <param name="SecureVersion">The app's <c>secure_version</c>.</param>
/// <param name="Chip">esptool name of the chip the image header names.</param>
/// <param name="Size">Size of the stored file in bytes.</param>
/// <param name="IdfVersion">The ESP-IDF version the app was built with.</param>
/// <param name="UploadedAt">When the image was uploaded.</param>
/// <param name="DownloadUrl">Where devices download it.</param>
public sealed record FirmwareInfo(
    [property: JsonPropertyName("sha256")] string Sha256,
    [property: JsonPropertyName("project")] string Project,
    [property: JsonPropertyName("version")] string Version,
    [property: JsonPropertyName("secure_version")] uint SecureVersion,
    [property: JsonPropertyName("chip")] string Chip,
    [property: JsonPropertyName("size")] long Size,
    [property: JsonPropertyName("idf_version")] string IdfVersion,
    [property: JsonPropertyName("uploaded_at")] DateTimeOffset UploadedAt,
    [property: JsonPropertyName("download_url")] string DownloadUrl)
{
    /// <summary>
    /// For an image stored as esp_encrypted_img (its project had an encryption key at upload): how,
    /// and the plain image's hash and size. <see cref="Sha256"/> and <see cref="Size"/> are then of
    /// the encrypted file, which is what downloads serve. Null for a plain image.
    /// </summary>
    [JsonPropertyName("encryption")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public EspOta.Server.Encryption.FirmwareEncryption? Encryption { get; init; }
}
