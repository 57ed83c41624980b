namespace EspOta.Torture;

/// <summary>Which invariant a boot after a cut broke.</summary>
public enum TortureViolationKind
{
    /// <summary>No app boots: the bootloader found nothing it could load.</summary>
    NoAppBoots,

    /// <summary>An update that was fully written, verified and selected (and not yet tried) did not boot.</summary>
    SelectedUpdateLost,

    /// <summary>The confirmed app (or the one the model expects after a rollback) did not boot; an older app did.</summary>
    ConfirmedAppLost,

    /// <summary>An app that was never selected before the cut (e.g. a fully written but unselected update) booted.</summary>
    UnselectedAppBoots,

    /// <summary>With rollback: an update that already had its trial boot without confirming itself booted again.</summary>
    UnconfirmedAppKept,

    /// <summary>The active otadata entry selects a partition whose image does not verify.</summary>
    OtaDataSelectsUnverifiableImage,

    /// <summary>A failed self-test could not roll back (<c>esp_ota_mark_app_invalid_rollback</c> refused).</summary>
    RollbackRefused,

    /// <summary>The device code threw something other than an ESP-IDF error (e.g. a NOR program violation).</summary>
    UnexpectedException,

    /// <summary>
    /// The factory app boots after a factory reset took effect (otadata erased), but a data partition the reset
    /// erases (<c>CONFIG_BOOTLOADER_DATA_FACTORY_RESET</c>) still holds data: the reset will never finish.
    /// </summary>
    FactoryResetIncomplete,

    /// <summary>With anti-rollback: an app whose <c>secure_version</c> is below the eFuse counter at the cut booted.</summary>
    AppBelowSecureVersionBoots,

    /// <summary>Secure boot: an app booted whose signature does not verify with a key digest that is burnt and not revoked.</summary>
    AppNotSignedByTrustedKeyBoots,

    /// <summary>
    /// A download resumed through its checkpoint after a cut wrote an image byte below the checkpoint, or not exactly
    /// the bytes after it (each byte the checkpoint vouches for is written once across the resume).
    /// </summary>
    ResumeRewroteImage,

    /// <summary>The resume continuation did not end on the scenario's target app (<see cref="TortureScenario.ResumeTarget"/>).</summary>
    ResumeUnfinished,
}
