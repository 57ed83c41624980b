namespace EspOta.Security;

/// <summary>How a firmware checks app signatures (Kconfig, <c>components/bootloader/Kconfig.projbuild</c>).</summary>
public enum SignedAppMode
{
    /// <summary>No signature checks.</summary>
    None,

    /// <summary><c>CONFIG_SECURE_BOOT</c> (v2): the bootloader verifies each app and OTA images are verified against the eFuse digests.</summary>
    SecureBoot,

    /// <summary>
    /// <c>CONFIG_SECURE_SIGNED_APPS_NO_SECURE_BOOT</c> (+ <c>CONFIG_SECURE_SIGNED_ON_UPDATE_NO_SECURE_BOOT</c>): only OTA
    /// images are verified, against the key of the running app's first signature block; the bootloader checks nothing.
    /// </summary>
    SignedAppsNoSecureBoot,
}
