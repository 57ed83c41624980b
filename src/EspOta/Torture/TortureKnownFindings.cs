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

    /// <summary>
    /// F3 (rollback off and on): the bootloader's factory reset erases the listed data partitions and otadata in
    /// partition-table order and keeps no record of its progress (<c>bootloader_common_erase_part_type_data</c>);
    /// a cut after otadata is erased but before a listed partition that comes later in the table leaves the
    /// factory app booting normally with that partition's data intact, and no later boot finishes the reset.
    /// </summary>
    public const string FactoryResetInTableOrder = "FactoryResetIncomplete|boot: factory reset";

    /// <summary>
    /// F4 (rollback off and on; ESP-IDF's documented "unsafe update mode"): <c>esp_ota_end</c> with
    /// <c>finalize_with_copy</c> copies a staged bootloader over the primary one with <c>esp_partition_copy</c>
    /// (erase, then program); between the erase and the last program the ROM finds no bootloader and nothing boots.
    /// On chips whose ROM has the recovery bootloader the backup closes this window (scenario <c>bootloader-ota-recovery</c>).
    /// </summary>
    public const string UnsafeBootloaderCopy = "NoAppBoots|esp_ota_end (verify, esp_partition_copy to PrimaryBTLDR)";

    /// <summary>
    /// F5 (rollback off and on; the same "unsafe update mode"): a staged partition table copied over 0x8000 — between
    /// the erase and the last program the second-stage bootloader finds no valid table and nothing boots (no backup table exists).
    /// </summary>
    public const string UnsafePartitionTableCopy = "NoAppBoots|esp_ota_end (verify, esp_partition_copy to PrimaryPrtTable)";

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
        Key("anti-rollback", false, TornMarkValid),
        Key("anti-rollback", true, TornPendingVerifyRewrite),
        Key("three-slots", false, TornMarkValid),
        Key("three-slots", true, TornPendingVerifyRewrite),
        Key("sixteen-slots", false, TornMarkValid),
        Key("sixteen-slots", true, TornPendingVerifyRewrite),
        Key("factory-reset-data", false, FactoryResetInTableOrder),
        Key("factory-reset-data", true, FactoryResetInTableOrder),
        Key("bootloader-ota", false, UnsafeBootloaderCopy),
        Key("bootloader-ota", true, UnsafeBootloaderCopy),
        Key("partition-table-ota", false, UnsafePartitionTableCopy),
        Key("partition-table-ota", true, UnsafePartitionTableCopy),
        Key("secure-boot-key-rotation", false, TornMarkValid),
        Key("secure-boot-key-rotation", true, TornPendingVerifyRewrite),
        Key("http-install", false, TornMarkValid),
        Key("http-install", true, TornPendingVerifyRewrite),
    };

    /// <summary>The known findings of one scenario run.</summary>
    public static IEnumerable<string> For(string scenario, bool rollback) =>
        Keys.Where(k => k.StartsWith($"{scenario}|rollback={(rollback ? "on" : "off")}|", StringComparison.Ordinal));

    private static string Key(string scenario, bool rollback, string kindAndStep) =>
        $"{scenario}|rollback={(rollback ? "on" : "off")}|{kindAndStep}";
}
