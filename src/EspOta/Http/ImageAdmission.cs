using EspOta.Device;
using EspOta.Images;
using EspOta.Partitions;
using EspOta.Payloads;
using EspOta.Updates;

namespace EspOta.Http;

/// <summary>
/// The image admission check of <c>esp_https_ota</c>: before anything is erased, the first bytes of the
/// image (header, extended header, <c>esp_app_desc_t</c>) must be for this chip and project, match what
/// the server announced, and not go backwards (version, eFuse and running secure_version, a version
/// that was rolled back).
/// </summary>
/// <remarks>
/// The refusals follow <c>components/esp_https_ota/src/esp_https_ota.c</c> (chip id,
/// <c>IMAGE_HEADER_SIZE</c>) and the checks of <c>examples/system/ota/advanced_https_ota</c> (same
/// version, last invalid version, eFuse secure version).
/// </remarks>
public static class ImageAdmission
{
    /// <summary>
    /// Image bytes read before anything is decided (<c>IMAGE_HEADER_SIZE</c> in esp_https_ota.c): enough
    /// for the image header, the first segment header and the <c>esp_app_desc_t</c>; also the least that
    /// must be on flash before a resume is allowed.
    /// </summary>
    public const int HeaderSize = PayloadHead.Size;

    /// <summary>
    /// The checks made on the first bytes of the image, before anything is erased. Returns the image's
    /// <c>esp_app_desc_t</c>. <paramref name="header"/> is the first <see cref="HeaderSize"/> image
    /// bytes (fewer only when the image is shorter).
    /// </summary>
    /// <exception cref="HttpOtaRefusedException">The image is wrong for this device.</exception>
    public static AppDescription Check(EspDevice device, Chip chip, UpdateOffer offer, ReadOnlySpan<byte> header)
    {
        ArgumentNullException.ThrowIfNull(device);
        ArgumentNullException.ThrowIfNull(chip);
        ArgumentNullException.ThrowIfNull(offer);
        const int descriptionEnd = AppDescription.ImageOffset + AppDescription.Size;
        if (header.Length < descriptionEnd || header[0] != ImageHeader.ImageMagic)
        {
            throw Refuse(HttpOtaRefusal.NotAnAppImage, EspError.OtaValidateFailed, $"the image starts with 0x{(header.Length > 0 ? header[0] : 0):x2} and has {header.Length} header bytes; an app image starts with 0x{ImageHeader.ImageMagic:x2} and needs {descriptionEnd}");
        }

        var extended = ExtendedImageHeader.Read(header[ImageHeader.Size..]);
        if (chip.ImageChipId is not { } expectedId || extended.ChipId != expectedId)
        {
            throw Refuse(HttpOtaRefusal.WrongChip, EspError.InvalidVersion, $"image chip id 0x{extended.ChipId:x4}, this device is {chip.Name} (0x{chip.ImageChipId ?? 0xFFFF:x4})");
        }

        var app = AppDescription.Read(header[AppDescription.ImageOffset..]);
        if (!app.HasValidMagic)
        {
            throw Refuse(HttpOtaRefusal.NotAnAppImage, EspError.OtaValidateFailed, $"no esp_app_desc_t at 0x{AppDescription.ImageOffset:x}: magic 0x{app.Magic:x8}, expected 0x{AppDescription.MagicWord:x8}");
        }

        if (app.ProjectName != offer.Project || app.Version != offer.Version || app.SecureVersion != offer.SecureVersion)
        {
            throw Refuse(HttpOtaRefusal.AnnouncementMismatch, EspError.InvalidResponse, $"the image is {app.ProjectName} {app.Version} (secure_version {app.SecureVersion}), the server announced {offer.Project} {offer.Version} (secure_version {offer.SecureVersion})");
        }

        var running = device.LastBoot?.App;
        if (running is { HasValidMagic: true } && running.ProjectName != app.ProjectName)
        {
            throw Refuse(HttpOtaRefusal.WrongProject, EspError.InvalidVersion, $"the image is for project '{app.ProjectName}', this device runs '{running.ProjectName}'");
        }

        uint efuse = device.Efuse.SecureVersion.Version;
        if (app.SecureVersion < efuse || (running is { HasValidMagic: true } && app.SecureVersion < running.SecureVersion))
        {
            throw Refuse(HttpOtaRefusal.SecureVersionTooLow, EspError.OtaSmallSecVer, $"image secure_version {app.SecureVersion}, eFuse counter {efuse}, running app {running?.SecureVersion}");
        }

        if (running is { HasValidMagic: true } && running.Version == app.Version)
        {
            throw Refuse(HttpOtaRefusal.SameVersion, EspError.InvalidVersion, $"version {app.Version} already runs");
        }

        var ota = device.Ota;
        if (ota.GetLastInvalidPartition() is { } invalid && TryDescribe(ota, invalid)?.Version == app.Version)
        {
            throw Refuse(HttpOtaRefusal.PreviouslyRolledBack, EspError.InvalidVersion, $"version {app.Version} was rolled back from {invalid.Label}");
        }

        return app;

        static HttpOtaRefusedException Refuse(HttpOtaRefusal refusal, EspError code, string message) => new(refusal, code, beforeErase: true, message);
    }

    private static AppDescription? TryDescribe(OtaOperations ota, Partition partition)
    {
        try
        {
            return ota.GetPartitionDescription(partition);
        }
        catch (EspException)
        {
            return null;
        }
    }

}
