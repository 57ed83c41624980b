namespace EspOta;

/// <summary>
/// An operation failed the way ESP-IDF would report it through an <c>esp_err_t</c>;
/// <see cref="Code"/> carries the same number.
/// </summary>
public class EspException : Exception
{
    /// <summary>Creates the exception for <paramref name="code"/> with a message that says what and where.</summary>
    public EspException(EspError code, string message, Exception? innerException = null)
        : base($"{code.GetName()} (0x{(int)code:x}): {message}", innerException)
    {
        Code = code;
    }

    /// <summary>The ESP-IDF error.</summary>
    public EspError Code { get; }
}
