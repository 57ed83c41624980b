using EspOta.Flash;
using EspOta.Partitions;

namespace EspOta.Images;

/// <summary>
/// The image-verification policy: what <c>esp_image_verify</c> (used by <c>esp_ota_end</c>,
/// <c>esp_ota_set_boot_partition</c>, <c>esp_ota_check_rollback_is_possible</c>,
/// <c>esp_ota_get_last_invalid_partition</c>) and the bootloader's <c>bootloader_load_image</c> decide
/// about the image stored at the start of a partition.
/// </summary>
/// <remarks>
/// Pluggable because ESP-IDF's own host tests stub exactly this function; the OTA and boot logic
/// around it does not change with the policy.
/// </remarks>
public interface IAppImageValidator
{
    /// <summary>Verifies the image at the start of <paramref name="partition"/> on <paramref name="flash"/>.</summary>
    AppImageValidation Validate(IFlash flash, Partition partition);
}
