using EspOta.Boot;
using EspOta.Flash;
using EspOta.Images;
using EspOta.Partitions;

namespace EspOta.Security;

/// <summary>
/// Image validation with signature checks: <c>esp_image_verify</c> with <c>SECURE_BOOT_CHECK_SIGNATURE</c>. The
/// bootloader's instance (<paramref name="inBootloader"/>) checks only with <see cref="SignedAppMode.SecureBoot"/>
/// (with <see cref="SignedAppMode.SignedAppsNoSecureBoot"/> the bootloader is built without the check); the running
/// app's instance checks in both modes (<c>esp_ota_end</c>, <c>esp_ota_set_boot_partition</c>), against the eFuse
/// digests or against the running app's own key. The digest comes from the image verification's single pass.
/// </summary>
/// <param name="config">The device configuration.</param>
/// <param name="inBootloader">True for the second-stage bootloader's check, false for the running app's.</param>
/// <param name="runningApp">The running app's partition (needed for <see cref="SignedAppMode.SignedAppsNoSecureBoot"/>).</param>
/// <param name="baseOptions">Other verification options (chip, revision, …).</param>
public sealed class SecureBootImageValidator(SecureBootDeviceConfig config, bool inBootloader, Func<Partition?>? runningApp = null, ImageVerifyOptions? baseOptions = null)
    : IAppImageValidator
{
    /// <summary>The configuration checked against.</summary>
    public SecureBootDeviceConfig Config { get; } = config;

    /// <summary>The last signature verdict (for reporting which key signed), or null.</summary>
    public SignatureVerification? LastVerification { get; private set; }

    /// <inheritdoc />
    public AppImageValidation Validate(IFlash flash, Partition partition)
    {
        ArgumentNullException.ThrowIfNull(flash);
        ArgumentNullException.ThrowIfNull(partition);
        LastVerification = null;
        if (partition.End > flash.Size)
        {
            return AppImageValidation.Invalid($"partition {partition.Label} ends past the end of flash");
        }

        bool check = Config.Mode == SignedAppMode.SecureBoot || (Config.Mode == SignedAppMode.SignedAppsNoSecureBoot && !inBootloader);
        var options = (baseOptions ?? new ImageVerifyOptions { ExpectedChip = Config.Chip }) with
        {
            SecureBootV2 = check,
            SignedDataSha384 = check && Config.Scheme == SignatureScheme.EcdsaP384,
        };
        var result = ImageVerifier.Verify(flash, partition, options);
        if (!result.IsValid)
        {
            return new AppImageValidation(false, result.AppDescription, result.FailureMessage);
        }

        if (!check)
        {
            return AppImageValidation.Valid(result.AppDescription);
        }

        var region = new SignedImageRegion(result.SignatureSector!, result.SignedData!);
        SignatureVerification verdict;
        try
        {
            verdict = inBootloader
                ? SecureBootChecks.VerifyAppAtBoot(region, Config.Efuses, Config.Scheme, Config.Capabilities)
                : SecureBootChecks.VerifyUpdate(region, Config.Mode, Config.Scheme, Config.Efuses, RunningAppSector(flash), Config.Capabilities);
        }
        catch (EspException ex)
        {
            return new AppImageValidation(false, result.AppDescription, ex.Message);
        }

        LastVerification = verdict;
        return verdict.IsValid
            ? AppImageValidation.Valid(result.AppDescription)
            : new AppImageValidation(false, result.AppDescription, $"Secure Boot V2 verification failed: {verdict}");
    }

    private SignatureSector? RunningAppSector(IFlash flash)
    {
        if (runningApp?.Invoke() is not { } running)
        {
            return null;
        }

        var result = ImageVerifier.Verify(flash, running, new ImageVerifyOptions { ExpectedChip = Config.Chip, SecureBootV2 = true });
        return result.SignatureSector;
    }
}
