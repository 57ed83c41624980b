using EspOta.Images;

namespace EspOta.Server.Firmware;

/// <summary>
/// Checks an uploaded image as a device's <c>esp_image_verify</c> will (through
/// <see cref="ImageVerifier"/>): it must verify, name a chip ESP-IDF knows and carry an
/// <c>esp_app_desc_t</c>, since the update check matches on its project, version and secure_version.
/// </summary>
internal static class ImageInspection
{
    /// <param name="image">The image, read forward once.</param>
    /// <param name="maxLength">The largest image accepted.</param>
    /// <param name="readSignatures">Also read the Secure Boot v2 signature sector after the image on the same pass
    /// (<see cref="ImageFacts.Signatures"/>; SHA-384 too, for P-384 keys), without changing the verdict.</param>
    public static ImageFacts Inspect(Stream image, long maxLength, bool readSignatures)
    {
        var result = ImageVerifier.Verify(image, new ImageVerifyOptions
        {
            MaxLength = maxLength,
            RequireAppDescription = true,
            ReadSignatureSector = readSignatures,
            SignedDataSha384 = readSignatures,
        });
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
