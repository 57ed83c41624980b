namespace EspOta.Delta;

/// <summary>How <see cref="DeltaPatchCreator"/> writes a patch.</summary>
public sealed record DeltaCreateOptions
{
    /// <summary><see cref="DetoolsCompression.Heatshrink"/> (default, what esp_delta_ota applies) <see cref="DetoolsCompression.Crle"/> or <see cref="DetoolsCompression.None"/>.</summary>
    public DetoolsCompression Compression { get; init; } = DetoolsCompression.Heatshrink;

    /// <summary>The heatshrink window and lookahead (default 8/7, the only one esp_delta_ota accepts).</summary>
    public HeatshrinkParameters Heatshrink { get; init; } = HeatshrinkParameters.EspDeltaOta;

    /// <summary>Whether to put the 64-byte esp_delta_ota header in front (as <c>esp_delta_ota_patch_gen.py</c> does).</summary>
    public bool EspDeltaOtaHeader { get; init; } = true;
}
