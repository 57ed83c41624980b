namespace EspOta.Http;

/// <summary>
/// How much of which image is on flash: what an app keeps in NVS so that <c>esp_https_ota</c> can
/// continue after a reboot (<c>ota_resumption</c> / <c>ota_image_bytes_written</c>).
/// </summary>
/// <param name="Sha256">The image being installed.</param>
/// <param name="PartitionLabel">The partition it is written to.</param>
/// <param name="BytesWritten">Image bytes of it known to be on flash.</param>
public sealed record OtaCheckpoint(string Sha256, string PartitionLabel, long BytesWritten)
{
    /// <summary>Body bytes consumed, when a payload stage makes it differ from <see cref="BytesWritten"/>; null for a plain image.</summary>
    public long? BodyOffset { get; init; }

    /// <summary>The payload stage's own state (<see cref="Payloads.PayloadCheckpoint.State"/>); null for a plain image.</summary>
    public byte[]? StageState { get; init; }
}
