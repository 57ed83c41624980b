using EspOta.Images;
using EspOta.Partitions;

namespace EspOta.Http;

/// <summary>A completed HTTP OTA: the image is written, verified and set to boot next.</summary>
/// <param name="Partition">The partition that boots next.</param>
/// <param name="App">The new image's <c>esp_app_desc_t</c>.</param>
/// <param name="BytesDownloaded">Body bytes received in this run (less than the image when resumed).</param>
/// <param name="Requests">HTTP requests made for the image.</param>
/// <param name="Retries">Requests that failed and were retried.</param>
/// <param name="ResumedFrom">The offset a resume started at, or null for a fresh download.</param>
public sealed record HttpOtaResult(Partition Partition, AppDescription App, long BytesDownloaded, int Requests, int Retries, long? ResumedFrom)
{
    /// <summary>The patch the image was made from (delta OTA), or null when the image itself was downloaded.</summary>
    public DeltaOffer? Patch { get; init; }

    /// <summary>Why an offered patch was not used and the full image was fetched instead, or null.</summary>
    public string? PatchFailure { get; init; }
}
