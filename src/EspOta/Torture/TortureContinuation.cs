namespace EspOta.Torture;

/// <summary>What happens after the power returns.</summary>
/// <remarks>
/// A scenario with <see cref="TortureScenario.ResumeDownload"/> gets one more run after these three: boot, resume the
/// download, reboot, then as <see cref="SelfTestPasses"/> (its violations carry <see cref="TortureViolation.ResumedDownload"/>).
/// </remarks>
public enum TortureContinuation
{
    /// <summary>Two reboots, the app never confirming itself (it keeps crashing or losing power).</summary>
    Unconfirmed,

    /// <summary>One boot, the app's self-test passes (<c>esp_ota_mark_app_valid_cancel_rollback</c>), then a reboot.</summary>
    SelfTestPasses,

    /// <summary>
    /// One boot; if an update runs, its self-test fails (<c>esp_ota_mark_app_invalid_rollback_and_reboot</c>), then
    /// one more reboot. With rollback: the unconfirmed update on trial. Without rollback: an app that replaced an
    /// earlier one still reachable through the other otadata entry (ESP-IDF marks the running entry INVALID either
    /// way). Skipped otherwise.
    /// </summary>
    SelfTestFails,
}
