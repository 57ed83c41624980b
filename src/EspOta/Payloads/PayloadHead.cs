namespace EspOta.Payloads;

/// <summary>The head of the image a stage holds before the admission check.</summary>
public static class PayloadHead
{
    /// <summary><c>IMAGE_HEADER_SIZE</c> of esp_https_ota.c: image bytes read before anything is decided or erased.</summary>
    public const int Size = 1024;
}
