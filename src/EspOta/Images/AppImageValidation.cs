
namespace EspOta.Images;

/// <summary>The verdict of an <see cref="IAppImageValidator"/> on the image in one partition.</summary>
/// <param name="IsValid">Whether <c>esp_image_verify</c> / <c>bootloader_load_image</c> would accept it.</param>
/// <param name="Description">The image's <c>esp_app_desc_t</c>, when the validator found one.</param>
/// <param name="Reason">Why it is not valid (for boot reports), or null.</param>
public sealed record AppImageValidation(bool IsValid, AppDescription? Description = null, string? Reason = null)
{
    /// <summary>The full verification, when the validator is <see cref="ImageVerifier"/>-based (its SHA-256 saves hashing the image again).</summary>
    public ImageVerification? Image { get; init; }

    /// <summary>A valid image.</summary>
    public static AppImageValidation Valid(AppDescription? description = null) => new(true, description);

    /// <summary>An invalid image, with the reason.</summary>
    public static AppImageValidation Invalid(string reason) => new(false, null, reason);
}
