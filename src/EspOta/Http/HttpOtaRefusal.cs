namespace EspOta.Http;

/// <summary>Why <see cref="HttpOtaClient"/> refused an image.</summary>
public enum HttpOtaRefusal
{
    /// <summary>The image does not start like an app image (magic, length, no <c>esp_app_desc_t</c>).</summary>
    NotAnAppImage,
    /// <summary>The image header names another chip (<c>esp_ota_verify_chip_id</c>: <c>ESP_ERR_INVALID_VERSION</c>).</summary>
    WrongChip,
    /// <summary>The image is for another project.</summary>
    WrongProject,
    /// <summary>Its secure_version is below the eFuse counter or the running app's.</summary>
    SecureVersionTooLow,
    /// <summary>It is the version that runs now.</summary>
    SameVersion,
    /// <summary>It is the version the device last rolled back from.</summary>
    PreviouslyRolledBack,
    /// <summary>Its app description disagrees with what the server announced.</summary>
    AnnouncementMismatch,
    /// <summary>The bytes on flash do not hash to the announced SHA-256.</summary>
    Sha256Mismatch,
    /// <summary>The image changed on the server during the download (ETag/If-Range).</summary>
    ImageChanged,
    /// <summary>The offer is a pre-encrypted image and the client has no decryption key for it.</summary>
    NoDecryptionKey,
}
