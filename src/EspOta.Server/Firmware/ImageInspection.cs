using EspOta.Images;

namespace EspOta.Server.Firmware;

/// <summary>
/// Checks an uploaded image as a device's <c>esp_image_verify</c> will (through
/// <see cref="ImageVerifier"/>): it must verify, name a chip ESP-IDF knows and carry an
/// <c>esp_app_desc_t</c>, since the update check matches on its project, version and secure_version.
/// </summary>
internal static class ImageInspection
{
    public static ImageFacts Inspect(Stream image, long maxLength)
    {
        var result = ImageVerifier.Verify(image, new ImageVerifyOptions { MaxLength = maxLength, RequireAppDescription = true });
        if (!result.IsValid)
        {
            string where = $"{result.FailedCheck} check failed at offset 0x{result.FailureOffset:x}: {result.FailureMessage}";
            string type = result.FailedCheck switch
            {
                ImageCheck.ChipId => ProblemTypes.UnknownChip,
                ImageCheck.AppDescription => ProblemTypes.NoAppDescription,
                _ => ProblemTypes.InvalidImage,
            };
            return new ImageFacts(type, where, result.Chip, result.AppDescription, result);
        }

        if (result.Chip is null)
        {
            return new ImageFacts(ProblemTypes.UnknownChip, "the image header names no chip ESP-IDF knows", null, result.AppDescription, result);
        }

        if (result.AppDescription is not { HasValidMagic: true } app)
        {
            return new ImageFacts(ProblemTypes.NoAppDescription, $"no esp_app_desc_t (magic 0x{AppDescription.MagicWord:x8}) at offset 0x{AppDescription.ImageOffset:x}", result.Chip, null, result);
        }

        return new ImageFacts(null, null, result.Chip, app, result);
    }
}
