namespace EspOta.Http;

/// <summary><see cref="HttpOtaClient"/> refused an image; when <see cref="BeforeErase"/> is true, flash was not touched.</summary>
public sealed class HttpOtaRefusedException : EspException
{
    /// <summary>Creates the exception.</summary>
    public HttpOtaRefusedException(HttpOtaRefusal refusal, EspError code, bool beforeErase, string message)
        : base(code, $"{refusal}: {message}")
    {
        Refusal = refusal;
        BeforeErase = beforeErase;
    }

    /// <summary>Why.</summary>
    public HttpOtaRefusal Refusal { get; }

    /// <summary>Whether the refusal came before <c>esp_ota_begin</c> erased anything.</summary>
    public bool BeforeErase { get; }
}
