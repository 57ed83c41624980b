namespace EspOta.Security;

/// <summary>
/// A pre-encrypted image (or a key for one) was rejected. The component returns <c>ESP_FAIL</c> for
/// every such case (<c>esp_encrypted_img_decrypt_data</c> / <c>_decrypt_end</c>), so
/// <see cref="EspException.Code"/> is <see cref="EspError.Fail"/>; <see cref="Failure"/> says which.
/// </summary>
public sealed class EncryptedImageException : EspException
{
    /// <summary>Creates the exception; <paramref name="offset"/> is the file offset the problem was found at, if any.</summary>
    public EncryptedImageException(EncryptedImageFailure failure, string message, long? offset = null, Exception? innerException = null)
        : base(EspError.Fail, offset is long at ? $"encrypted image at offset 0x{at:x}: {message}" : $"encrypted image: {message}", innerException)
    {
        Failure = failure;
        Offset = offset;
    }

    /// <summary>What was wrong.</summary>
    public EncryptedImageFailure Failure { get; }

    /// <summary>The file offset at which it was found, when it has one.</summary>
    public long? Offset { get; }
}
