namespace EspOta.Torture;

/// <summary>
/// The power-loss behaviours of ESP-IDF v5.5 itself that the torture engine finds with the built-in
/// scenarios (kept for fidelity, documented with minimal traces in docs/power-loss.md; the otadata
/// vectors' README §8.20 describes both). Keys as <see cref="TortureFinding.Key"/>.
/// </summary>
public static class TortureKnownFindings
{
    /// <summary>
    /// F1 (rollback off): <c>esp_ota_mark_app_valid_cancel_rollback</c> rewrites the ACTIVE otadata
    /// sector in place (erase, then program 32 bytes); a cut in between destroys the only entry that
    /// selects the new app, so the older entry boots although the update was selected and running.
    /// </summary>
    public const string TornMarkValid = "ConfirmedAppLost|esp_ota_mark_app_valid_cancel_rollback";

    /// <summary>
    /// F2 (rollback on): the bootloader rewrites the new entry NEW → PENDING_VERIFY in place before
    /// loading the app; a cut in between erases the fresh update's only entry, so the old app boots and
    /// the selected update is never tried.
    /// </summary>
    public const string TornPendingVerifyRewrite = "SelectedUpdateLost|boot: bootloader";

    /// <summary>Every known finding, as <see cref="TortureFinding.Key"/>s.</summary>
    public static IReadOnlySet<string> Keys { get; } = new HashSet<string>(StringComparer.Ordinal)
    {
        Key("full-ota", false, TornMarkValid),
        Key("ota-sequential-erase", false, TornMarkValid),
        Key("ota-resume", false, TornMarkValid),
        Key("mark-valid", false, TornMarkValid),
        Key("ten-otas", false, TornMarkValid),
        Key("full-ota", true, TornPendingVerifyRewrite),
        Key("ota-sequential-erase", true, TornPendingVerifyRewrite),
        Key("ota-resume", true, TornPendingVerifyRewrite),
        Key("ten-otas", true, TornPendingVerifyRewrite),
        Key("delta-ota", false, TornMarkValid),
        Key("delta-ota-resume", false, TornMarkValid),
        Key("delta-ota", true, TornPendingVerifyRewrite),
        Key("delta-ota-resume", true, TornPendingVerifyRewrite),
        Key("secure-boot-key-rotation", false, TornMarkValid),
        Key("secure-boot-key-rotation", true, TornPendingVerifyRewrite),
    };

    /// <summary>The known findings of one scenario run.</summary>
    public static IEnumerable<string> For(string scenario, bool rollback) =>
        Keys.Where(k => k.StartsWith($"{scenario}|rollback={(rollback ? "on" : "off")}|", StringComparison.Ordinal));

    private static string Key(string scenario, bool rollback, string kindAndStep) =>
        $"{scenario}|rollback={(rollback ? "on" : "off")}|{kindAndStep}";
}
