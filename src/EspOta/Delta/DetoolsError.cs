namespace EspOta.Delta;

/// <summary>
/// The error numbers of detools' C applier (<c>DETOOLS_*</c> in detools <c>c/detools.h</c>); the C
/// functions return them negated. Values are detools' own, so a failure can be compared with what an
/// <c>esp_delta_ota</c> device logs.
/// </summary>
public enum DetoolsError
{
    /// <summary><c>DETOOLS_OK</c>.</summary>
    Ok = 0,

    /// <summary><c>DETOOLS_NOT_IMPLEMENTED</c>: "Function not implemented." (e.g. a data-format section).</summary>
    NotImplemented = 1,

    /// <summary><c>DETOOLS_NOT_DONE</c>.</summary>
    NotDone = 2,

    /// <summary><c>DETOOLS_BAD_PATCH_TYPE</c>: "Bad patch type." (only sequential patches apply).</summary>
    BadPatchType = 3,

    /// <summary><c>DETOOLS_BAD_COMPRESSION</c>: "Bad compression." (not built into the applier).</summary>
    BadCompression = 4,

    /// <summary><c>DETOOLS_INTERNAL_ERROR</c>.</summary>
    InternalError = 5,

    /// <summary><c>DETOOLS_LZMA_INIT</c>.</summary>
    LzmaInit = 6,

    /// <summary><c>DETOOLS_LZMA_DECODE</c>.</summary>
    LzmaDecode = 7,

    /// <summary><c>DETOOLS_OUT_OF_MEMORY</c>.</summary>
    OutOfMemory = 8,

    /// <summary><c>DETOOLS_CORRUPT_PATCH</c>: "Corrupt patch." (a size past the new image, trailing state).</summary>
    CorruptPatch = 9,

    /// <summary><c>DETOOLS_IO_FAILED</c>: "Input/output failed." (reading outside the base).</summary>
    IoFailed = 10,

    /// <summary><c>DETOOLS_ALREADY_DONE</c>.</summary>
    AlreadyDone = 11,

    /// <summary><c>DETOOLS_SHORT_HEADER</c>.</summary>
    ShortHeader = 18,

    /// <summary><c>DETOOLS_NOT_ENOUGH_PATCH_DATA</c>: "Not enough patch data." (the patch ended early).</summary>
    NotEnoughPatchData = 19,

    /// <summary><c>DETOOLS_HEATSHRINK_SINK</c>.</summary>
    HeatshrinkSink = 20,

    /// <summary><c>DETOOLS_HEATSHRINK_POLL</c>.</summary>
    HeatshrinkPoll = 21,

    /// <summary><c>DETOOLS_ALREADY_FAILED</c>: the applier failed before and stays failed.</summary>
    AlreadyFailed = 24,

    /// <summary><c>DETOOLS_CORRUPT_PATCH_OVERFLOW</c>: a size number longer than an <c>int</c>.</summary>
    CorruptPatchOverflow = 25,

    /// <summary><c>DETOOLS_CORRUPT_PATCH_CRLE_KIND</c>: a CRLE record kind other than 0 or 1.</summary>
    CorruptPatchCrleKind = 26,

    /// <summary><c>DETOOLS_HEATSHRINK_HEADER</c>: "Heatshrink header." (window/lookahead not supported).</summary>
    HeatshrinkHeader = 27,
}
