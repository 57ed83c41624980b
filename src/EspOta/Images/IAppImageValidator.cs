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

    /// <summary>
    /// Verifies a second-stage bootloader image at the start of <paramref name="partition"/>: what
    /// <c>esp_ota_end</c> does for a bootloader target (<c>esp_image_verify</c> with the bootloader offset set to
    /// the staging partition, so the image is judged as a bootloader: no app description, no digest check
    /// without secure boot). The default checks any chip; <see cref="EspImageValidator"/> keeps its chip.
    /// </summary>
    AppImageValidation ValidateBootloader(IFlash flash, Partition partition)
    {
        var result = ImageVerifier.Verify(flash, partition, new ImageVerifyOptions { IsBootloader = true });
        return new AppImageValidation(result.IsValid, null, result.IsValid ? null : result.FailureMessage) { Image = result };
    }
}
