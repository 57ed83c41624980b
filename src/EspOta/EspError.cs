namespace EspOta;

/// <summary>
/// ESP-IDF <c>esp_err_t</c> codes, with the numeric values of ESP-IDF v5.5 so that a failure can be
/// compared with what the C code returns (<c>esp_err.h</c>, <c>esp_ota_ops.h</c>,
/// <c>esp_image_format.h</c>, <c>esp_flash_err.h</c>, <c>esp_https_ota.h</c>, <c>esp_http_client.h</c>).
/// </summary>
public enum EspError
{
    /// <summary><c>ESP_OK</c>.</summary>
    Ok = 0,
    /// <summary><c>ESP_FAIL</c>: generic failure.</summary>
    Fail = -1,
    /// <summary><c>ESP_ERR_NO_MEM</c>.</summary>
    NoMem = 0x101,
    /// <summary><c>ESP_ERR_INVALID_ARG</c>.</summary>
    InvalidArg = 0x102,
    /// <summary><c>ESP_ERR_INVALID_STATE</c>.</summary>
    InvalidState = 0x103,
    /// <summary><c>ESP_ERR_INVALID_SIZE</c>.</summary>
    InvalidSize = 0x104,
    /// <summary><c>ESP_ERR_NOT_FOUND</c>.</summary>
    NotFound = 0x105,
    /// <summary><c>ESP_ERR_NOT_SUPPORTED</c>.</summary>
    NotSupported = 0x106,
    /// <summary><c>ESP_ERR_TIMEOUT</c>.</summary>
    Timeout = 0x107,
    /// <summary><c>ESP_ERR_INVALID_RESPONSE</c>.</summary>
    InvalidResponse = 0x108,
    /// <summary><c>ESP_ERR_INVALID_CRC</c>.</summary>
    InvalidCrc = 0x109,
    /// <summary><c>ESP_ERR_INVALID_VERSION</c>.</summary>
    InvalidVersion = 0x10A,
    /// <summary><c>ESP_ERR_INVALID_MAC</c>.</summary>
    InvalidMac = 0x10B,
    /// <summary><c>ESP_ERR_NOT_FINISHED</c>.</summary>
    NotFinished = 0x10C,
    /// <summary><c>ESP_ERR_NOT_ALLOWED</c>.</summary>
    NotAllowed = 0x10D,

    /// <summary><c>ESP_ERR_OTA_PARTITION_CONFLICT</c>: the target is the running partition.</summary>
    OtaPartitionConflict = 0x1501,
    /// <summary><c>ESP_ERR_OTA_SELECT_INFO_INVALID</c>: the otadata partition is invalid.</summary>
    OtaSelectInfoInvalid = 0x1502,
    /// <summary><c>ESP_ERR_OTA_VALIDATE_FAILED</c>: the image does not verify.</summary>
    OtaValidateFailed = 0x1503,
    /// <summary><c>ESP_ERR_OTA_SMALL_SEC_VER</c>: secure_version below the eFuse counter.</summary>
    OtaSmallSecVer = 0x1504,
    /// <summary><c>ESP_ERR_OTA_ROLLBACK_FAILED</c>: no app to roll back to.</summary>
    OtaRollbackFailed = 0x1505,
    /// <summary><c>ESP_ERR_OTA_ROLLBACK_INVALID_STATE</c>: the running app is still pending verification.</summary>
    OtaRollbackInvalidState = 0x1506,

    /// <summary><c>ESP_ERR_IMAGE_FLASH_FAIL</c>.</summary>
    ImageFlashFail = 0x2001,
    /// <summary><c>ESP_ERR_IMAGE_INVALID</c>.</summary>
    ImageInvalid = 0x2002,

    /// <summary><c>ESP_ERR_FLASH_OP_FAIL</c>.</summary>
    FlashOpFail = 0x6001,
    /// <summary><c>ESP_ERR_FLASH_OP_TIMEOUT</c>.</summary>
    FlashOpTimeout = 0x6002,

    /// <summary><c>ESP_ERR_HTTP_MAX_REDIRECT</c>: more redirects than <c>max_redirection_count</c>.</summary>
    HttpMaxRedirect = 0x7001,
    /// <summary><c>ESP_ERR_HTTP_CONNECT</c>.</summary>
    HttpConnect = 0x7002,
    /// <summary><c>ESP_ERR_HTTP_FETCH_HEADER</c>.</summary>
    HttpFetchHeader = 0x7004,
    /// <summary><c>ESP_ERR_HTTP_CONNECTION_CLOSED</c>.</summary>
    HttpConnectionClosed = 0x7008,
    /// <summary><c>ESP_ERR_HTTP_REDIRECT_DOWNGRADE</c>: an https:// origin redirected to another scheme.</summary>
    HttpRedirectDowngrade = 0x700D,

    /// <summary><c>ESP_ERR_HTTPS_OTA_IN_PROGRESS</c>.</summary>
    HttpsOtaInProgress = 0x9001,

    /// <summary>
    /// EspOta only, outside every ESP-IDF error range: <c>esp_ota_set_boot_partition</c> would never
    /// return. Its new-sequence search (<c>esp_rewrite_ota_data</c>, esp_ota_ops.c) loops over a u32
    /// counter; for some active sequences near 2^32 and an even slot count no candidate is ever
    /// reached and ESP-IDF loops forever here (the watchdog then resets the chip). Nothing was written.
    /// </summary>
    OtaSequenceSearchHangs = 0x7E5A0001,
}
