namespace EspOta.Delta;

/// <summary>
/// The esp_delta_ota header in front of a patch was refused before anything was erased or written
/// (<see cref="EspException.Code"/> is <see cref="EspError.Fail"/>, as the example's <c>verify_patch_header</c> fails the OTA).
/// </summary>
public sealed class DeltaHeaderException : EspException
{
    /// <summary>Creates the exception.</summary>
    public DeltaHeaderException(DeltaHeaderProblem problem, string message)
        : base(EspError.Fail, message)
    {
        Problem = problem;
    }

    /// <summary>What was wrong.</summary>
    public DeltaHeaderProblem Problem { get; }
}
