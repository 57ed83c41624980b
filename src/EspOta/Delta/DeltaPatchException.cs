namespace EspOta.Delta;

/// <summary>
/// A detools patch could not be applied. <see cref="EspException.Code"/> is <see cref="EspError.Fail"/>,
/// what <c>esp_delta_ota_feed_patch</c>/<c>esp_delta_ota_finalize</c> return; <see cref="Error"/> is the
/// detools error they log and <see cref="Stage"/> says which of the two calls failed.
/// </summary>
public sealed class DeltaPatchException : EspException
{
    /// <summary>Creates the exception.</summary>
    public DeltaPatchException(DetoolsError error, DeltaApplyStage stage, long patchOffset, long outputOffset, string detail)
        : base(EspError.Fail, $"detools {stage.ToString().ToLowerInvariant()} failed with -{(int)error} ({Describe(error)}) at patch byte {patchOffset}, new image byte {outputOffset}: {detail}")
    {
        Error = error;
        Stage = stage;
        PatchOffset = patchOffset;
        OutputOffset = outputOffset;
    }

    /// <summary>The detools error (its number, not negated).</summary>
    public DetoolsError Error { get; }

    /// <summary>Whether feeding the patch or finishing it failed.</summary>
    public DeltaApplyStage Stage { get; }

    /// <summary>How many patch bytes had been fed when it failed.</summary>
    public long PatchOffset { get; }

    /// <summary>How many new-image bytes had been written when it failed.</summary>
    public long OutputOffset { get; }

    /// <summary>detools' own message for <paramref name="error"/> (<c>detools_error_as_string</c>).</summary>
    public static string Describe(DetoolsError error) => error switch
    {
        DetoolsError.Ok => "OK.",
        DetoolsError.NotImplemented => "Function not implemented.",
        DetoolsError.NotDone => "Not done.",
        DetoolsError.BadPatchType => "Bad patch type.",
        DetoolsError.BadCompression => "Bad compression.",
        DetoolsError.InternalError => "Internal error.",
        DetoolsError.LzmaInit => "LZMA init.",
        DetoolsError.LzmaDecode => "LZMA decode.",
        DetoolsError.OutOfMemory => "Out of memory.",
        DetoolsError.CorruptPatch => "Corrupt patch.",
        DetoolsError.IoFailed => "Input/output failed.",
        DetoolsError.AlreadyDone => "Already done.",
        DetoolsError.ShortHeader => "Short header.",
        DetoolsError.NotEnoughPatchData => "Not enough patch data.",
        DetoolsError.HeatshrinkSink => "Heatshrink sink.",
        DetoolsError.HeatshrinkPoll => "Heatshrink poll.",
        DetoolsError.AlreadyFailed => "Already failed.",
        DetoolsError.CorruptPatchOverflow => "Corrupt patch, overflow.",
        DetoolsError.CorruptPatchCrleKind => "Corrupt patch, CRLE kind.",
        DetoolsError.HeatshrinkHeader => "Heatshrink header.",
        _ => "Unknown error.",
    };
}
