namespace EspOta.Delta;

/// <summary>Why the 64-byte esp_delta_ota header was refused (https_delta_ota <c>verify_patch_header</c>).</summary>
public enum DeltaHeaderProblem
{
    /// <summary>Fewer than 64 bytes.</summary>
    Truncated,

    /// <summary>"Invalid magic word in patch": the first four bytes are not 0xFCCDDE10 (little-endian).</summary>
    BadMagic,

    /// <summary>"SHA256 of current firmware differs from than in patch header": made for another base image.</summary>
    BaseMismatch,
}
