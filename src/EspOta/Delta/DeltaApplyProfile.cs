namespace EspOta.Delta;

/// <summary>
/// Which detools build the applier behaves like. <see cref="EspDeltaOta"/> is detools as esp_delta_ota
/// compiles it (<c>esp_delta_ota/CMakeLists.txt</c>: no <c>none</c>, <c>lzma</c> or <c>crle</c>; heatshrink's
/// static 8/7 decoder); <see cref="Full"/> is detools' default build with a dynamically sized heatshrink
/// decoder (no lzma here: that one reports <see cref="DetoolsError.BadCompression"/>).
/// </summary>
public sealed record DeltaApplyProfile(bool AllowNone, bool AllowCrle, bool HeatshrinkStatic87Only)
{
    /// <summary>A real esp_delta_ota device: heatshrink 8/7 only.</summary>
    public static DeltaApplyProfile EspDeltaOta { get; } = new(AllowNone: false, AllowCrle: false, HeatshrinkStatic87Only: true);

    /// <summary>detools' full build: none, crle and heatshrink with any supported window and lookahead.</summary>
    public static DeltaApplyProfile Full { get; } = new(AllowNone: true, AllowCrle: true, HeatshrinkStatic87Only: false);
}
