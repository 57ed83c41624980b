using EspOta.Http;

namespace EspOta.Simulation;

/// <summary>What a new app's self-test does on its first boot (PENDING_VERIFY).</summary>
public enum SelfTestOutcome
{
    /// <summary>It passes: the app calls <c>esp_ota_mark_app_valid_cancel_rollback</c>.</summary>
    Pass,
    /// <summary>It fails: the app calls <c>esp_ota_mark_app_invalid_rollback_and_reboot</c>.</summary>
    Fail,
    /// <summary>It never finishes: the watchdog resets the chip and the bootloader aborts the pending app.</summary>
    Hang,
}
