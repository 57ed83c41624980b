namespace EspOta;

/// <summary>The C names of <see cref="EspError"/> values, as <c>esp_err_to_name</c> prints them.</summary>
public static class EspErrorNames
{
    private static readonly Dictionary<EspError, string> Names = new()
    {
        [EspError.Ok] = "ESP_OK",
        [EspError.Fail] = "ESP_FAIL",
        [EspError.NoMem] = "ESP_ERR_NO_MEM",
        [EspError.InvalidArg] = "ESP_ERR_INVALID_ARG",
        [EspError.InvalidState] = "ESP_ERR_INVALID_STATE",
        [EspError.InvalidSize] = "ESP_ERR_INVALID_SIZE",
        [EspError.NotFound] = "ESP_ERR_NOT_FOUND",
        [EspError.NotSupported] = "ESP_ERR_NOT_SUPPORTED",
        [EspError.Timeout] = "ESP_ERR_TIMEOUT",
        [EspError.InvalidResponse] = "ESP_ERR_INVALID_RESPONSE",
        [EspError.InvalidCrc] = "ESP_ERR_INVALID_CRC",
        [EspError.InvalidVersion] = "ESP_ERR_INVALID_VERSION",
        [EspError.InvalidMac] = "ESP_ERR_INVALID_MAC",
        [EspError.NotFinished] = "ESP_ERR_NOT_FINISHED",
        [EspError.NotAllowed] = "ESP_ERR_NOT_ALLOWED",
        [EspError.OtaPartitionConflict] = "ESP_ERR_OTA_PARTITION_CONFLICT",
        [EspError.OtaSelectInfoInvalid] = "ESP_ERR_OTA_SELECT_INFO_INVALID",
        [EspError.OtaValidateFailed] = "ESP_ERR_OTA_VALIDATE_FAILED",
        [EspError.OtaSmallSecVer] = "ESP_ERR_OTA_SMALL_SEC_VER",
        [EspError.OtaRollbackFailed] = "ESP_ERR_OTA_ROLLBACK_FAILED",
        [EspError.OtaRollbackInvalidState] = "ESP_ERR_OTA_ROLLBACK_INVALID_STATE",
        [EspError.ImageFlashFail] = "ESP_ERR_IMAGE_FLASH_FAIL",
        [EspError.ImageInvalid] = "ESP_ERR_IMAGE_INVALID",
        [EspError.FlashOpFail] = "ESP_ERR_FLASH_OP_FAIL",
        [EspError.FlashOpTimeout] = "ESP_ERR_FLASH_OP_TIMEOUT",
        [EspError.HttpConnect] = "ESP_ERR_HTTP_CONNECT",
        [EspError.HttpFetchHeader] = "ESP_ERR_HTTP_FETCH_HEADER",
        [EspError.HttpConnectionClosed] = "ESP_ERR_HTTP_CONNECTION_CLOSED",
        [EspError.HttpsOtaInProgress] = "ESP_ERR_HTTPS_OTA_IN_PROGRESS",
        [EspError.OtaSequenceSearchHangs] = "ESPOTA_ERR_OTA_SEQ_SEARCH_HANGS",
    };

    private static readonly Dictionary<string, EspError> Codes =
        Names.ToDictionary(pair => pair.Value, pair => pair.Key, StringComparer.Ordinal);

    /// <summary>The C name of <paramref name="error"/>, or <c>UNKNOWN ERROR 0x…</c> like <c>esp_err_to_name</c>.</summary>
    public static string GetName(this EspError error) =>
        Names.TryGetValue(error, out var name) ? name : $"UNKNOWN ERROR 0x{(int)error:x}";

    /// <summary>Looks up an error by its C name (e.g. <c>ESP_ERR_NOT_FOUND</c>).</summary>
    public static bool TryParse(string name, out EspError error) => Codes.TryGetValue(name, out error);
}
