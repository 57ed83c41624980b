namespace EspOta.Delta;

/// <summary>Which call of the applier reported a failure, as detools distinguishes them.</summary>
public enum DeltaApplyStage
{
    /// <summary><c>detools_apply_patch_process</c> (<c>esp_delta_ota_feed_patch</c>): while patch bytes were fed.</summary>
    Process,

    /// <summary><c>detools_apply_patch_finalize</c> (<c>esp_delta_ota_finalize</c>): after the last patch byte.</summary>
    Finalize,

    /// <summary>The 64-byte esp_delta_ota header in front of the detools patch (checked by the https_delta_ota example).</summary>
    Header,
}
