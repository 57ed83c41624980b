using EspOta.Updates;

namespace EspOta.Torture;

/// <summary>
/// Anti-rollback under power loss (<c>CONFIG_BOOTLOADER_APP_ANTI_ROLLBACK</c>): confirming an app with a higher
/// <c>secure_version</c> burns the eFuse counter right after the otadata rewrite; the sweep also cuts at that
/// burn (<see cref="TortureCutPoint.BeforeEfuseBurn"/>).
/// </summary>
public static class AntiRollbackTortureScenarios
{
    /// <summary>app-0 (secure_version 1) updated to app-1 (secure_version 2), booted and confirmed: the eFuse goes 1 → 2.</summary>
    public static TortureScenario AntiRollback { get; } = new TortureScenario(
        "anti-rollback",
        "app-0 (secure_version 1, eFuse burned to 1 by its first boot) runs; OTA of app-1 (secure_version 2), set boot, reboot, mark valid (otadata VALID, then the eFuse burn to 2); rollback off builds without anti-rollback (Kconfig)",
        TortureScenarios.InitialApp,
        s =>
        {
            s.Update("app-1", OtaImageSize.Unknown);
            s.Boot();
            s.MarkValid();
        })
    {
        AntiRollback = true,
        SecureVersions = new Dictionary<string, uint> { ["app-0"] = 1, ["app-1"] = 2 },
    };
}
