namespace EspOta.OtaData;

/// <summary>
/// The <c>ota_state</c> word of an otadata entry (<c>esp_ota_img_states_t</c>, <c>esp_flash_partitions.h</c>).
/// Any other 32-bit value is kept as read: the C code stores and returns raw values.
/// </summary>
public enum OtaImageState : uint
{
    /// <summary><c>ESP_OTA_IMG_NEW</c>: set by set_boot_partition when rollback is enabled; the bootloader turns it into <see cref="PendingVerify"/>.</summary>
    New = 0x0,
    /// <summary><c>ESP_OTA_IMG_PENDING_VERIFY</c>: booted once, not yet confirmed; the next boot makes it <see cref="Aborted"/>.</summary>
    PendingVerify = 0x1,
    /// <summary><c>ESP_OTA_IMG_VALID</c>: confirmed by the app.</summary>
    Valid = 0x2,
    /// <summary><c>ESP_OTA_IMG_INVALID</c>: rejected by the app.</summary>
    Invalid = 0x3,
    /// <summary><c>ESP_OTA_IMG_ABORTED</c>: never confirmed.</summary>
    Aborted = 0x4,
    /// <summary><c>ESP_OTA_IMG_UNDEFINED</c>: erased flash, or written with rollback disabled.</summary>
    Undefined = 0xFFFFFFFF,
}
