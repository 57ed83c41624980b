using EspOta.Updates;

namespace EspOta.Torture;

/// <summary>
/// Secure Boot v2 under power loss (issue 10): an ESP32-C3 with RSA-3072 keys 0 and 1 burnt into its eFuse digest
/// slots rotates from key 0 to key 1. Besides every flash operation, the sweep cuts just before and just after the
/// <c>KEY_REVOKE</c> burn, and every boot must load an app whose signature verifies with a burnt, non-revoked key.
/// </summary>
public static class SecureBootTortureScenarios
{
    /// <summary>
    /// app-0 (key 0 only) runs; OTA of app-1 (keys 0 and 1: the rotation release), reboot, mark valid, <c>esp_ota_revoke_secure_boot_public_key(0)</c>;
    /// then a later OTA of app-2 (key 1 only), reboot, mark valid. Once key 0 is revoked app-0 can no longer boot,
    /// so any cut that fell back to it after the burn would leave the device unbootable.
    /// </summary>
    public static TortureScenario KeyRotation { get; } = new(
        "secure-boot-key-rotation",
        "Secure Boot v2 (ESP32-C3, RSA-3072, key digests 0 and 1 burnt): app-0 (key 0) runs from ota_0; OTA of app-1 (keys 0 + 1), reboot, mark valid, "
        + "esp_ota_revoke_secure_boot_public_key(0) (cut before and after the burn); OTA of app-2 (key 1), reboot, mark valid",
        TortureScenarios.InitialApp,
        s =>
        {
            s.Update("app-1", OtaImageSize.Unknown);
            s.Boot();
            s.MarkValid();
            s.RevokeSecureBootKey(0);
            s.Update("app-2", OtaImageSize.Unknown);
            s.Boot();
            s.MarkValid();
        },
        SignedBy: new Dictionary<string, int[]> { ["app-0"] = [0], ["app-1"] = [0, 1], ["app-2"] = [1] });
}
