namespace EspOta.Http;

/// <summary>
/// How much of which image is on flash: what an app keeps in NVS so that <c>esp_https_ota</c> can
/// continue after a reboot (<c>ota_resumption</c> / <c>ota_image_bytes_written</c>).
/// </summary>
/// <param name="Sha256">The image being installed.</param>
/// <param name="PartitionLabel">The partition it is written to.</param>
/// <param name="BytesWritten">Bytes of it known to be on flash.</param>
public sealed record OtaCheckpoint(string Sha256, string PartitionLabel, long BytesWritten);
