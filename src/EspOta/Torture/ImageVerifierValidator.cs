using EspOta.Boot;
using EspOta.Flash;
using EspOta.Images;
using EspOta.Partitions;

namespace EspOta.Torture;

/// <summary>
/// <c>esp_image_verify</c> as the policy of the torture devices: the real one-pass
/// <see cref="ImageVerifier"/> (header, chip, segments, checksum, SHA-256) on the partition's bytes.
/// </summary>
internal sealed class ImageVerifierValidator(Chip chip) : IAppImageValidator
{
    private readonly ImageVerifyOptions _options = new() { ExpectedChip = chip, RequireAppDescription = true };

    public AppImageValidation Validate(IFlash flash, Partition partition)
    {
        var result = ImageVerifier.Verify(flash, partition, _options);
        return result.IsValid
            ? AppImageValidation.Valid(result.AppDescription)
            : AppImageValidation.Invalid(result.FailureMessage ?? result.FailedCheck?.ToString() ?? "invalid");
    }
}
