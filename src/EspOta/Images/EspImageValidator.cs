using EspOta.Flash;
using EspOta.Partitions;

namespace EspOta.Images;

/// <summary>
/// The real policy: <see cref="ImageVerifier"/>, i.e. <c>esp_image_verify(ESP_IMAGE_VERIFY, …)</c>
/// of esp_image_format.c (header, chip id, segments, checksum, SHA-256) over the partition.
/// </summary>
/// <param name="options">What to verify against (e.g. the device's chip); null = <see cref="ImageVerifyOptions.Default"/>.</param>
public sealed class EspImageValidator(ImageVerifyOptions? options = null) : IAppImageValidator
{
    /// <summary>Accepts images for any chip ESP-IDF knows.</summary>
    public static EspImageValidator Default { get; } = new();

    /// <summary>Only accepts images built for <paramref name="chip"/> (<c>CONFIG_IDF_FIRMWARE_CHIP_ID</c>).</summary>
    public static EspImageValidator ForChip(Chip chip) => new(new ImageVerifyOptions { ExpectedChip = chip });

    /// <summary>The verification options.</summary>
    public ImageVerifyOptions Options { get; } = options ?? ImageVerifyOptions.Default;

    /// <inheritdoc />
    public AppImageValidation Validate(IFlash flash, Partition partition)
    {
        ArgumentNullException.ThrowIfNull(flash);
        ArgumentNullException.ThrowIfNull(partition);
        if (partition.End > flash.Size)
        {
            return AppImageValidation.Invalid($"partition {partition.Label} ends past the end of flash");
        }

        var result = ImageVerifier.Verify(flash, partition, Options);
        return new AppImageValidation(result.IsValid, result.AppDescription, result.IsValid ? null : result.FailureMessage) { Image = result };
    }

    /// <inheritdoc />
    public AppImageValidation ValidateBootloader(IFlash flash, Partition partition)
    {
        ArgumentNullException.ThrowIfNull(flash);
        ArgumentNullException.ThrowIfNull(partition);
        var result = ImageVerifier.Verify(flash, partition, Options with { IsBootloader = true, RequireAppDescription = false });
        return new AppImageValidation(result.IsValid, null, result.IsValid ? null : result.FailureMessage) { Image = result };
    }
}
