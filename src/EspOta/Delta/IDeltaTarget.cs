namespace EspOta.Delta;

/// <summary>Where the applier writes the new image, strictly in order (esp_delta_ota's <c>write_cb</c>).</summary>
public interface IDeltaTarget
{
    /// <summary>Appends <paramref name="data"/> (never empty) to the new image.</summary>
    void Write(ReadOnlySpan<byte> data);
}
