namespace EspOta.Security;

/// <summary>A key, signing or signature operation was refused; <see cref="Problem"/> says why.</summary>
public sealed class SignatureException : Exception
{
    /// <summary>Creates the exception.</summary>
    public SignatureException(SignatureProblem problem, string message, Exception? innerException = null)
        : base(message, innerException)
    {
        Problem = problem;
    }

    /// <summary>What was wrong.</summary>
    public SignatureProblem Problem { get; }
}
