namespace EspOta.Torture;

/// <summary>
/// A power-loss scenario: an untortured <see cref="Setup"/> that brings the device to its start
/// state, then a <see cref="Body"/> whose every flash operation is cut.
/// </summary>
/// <param name="Name">Short name (<c>full-ota</c>).</param>
/// <param name="Description">What it does.</param>
/// <param name="Setup">Flashes the first app(s) and boots; runs once, without cuts.</param>
/// <param name="Body">The tortured steps.</param>
/// <param name="HasFactory">The layout has a factory partition (the factory app is named <c>factory</c>).</param>
/// <param name="FactoryReset">The bootloader is built with factory reset (erasing nvs and otadata).</param>
/// <param name="SignedBy">
/// Secure Boot v2 on: the key slots (0, 1, …) whose keys sign each app version; null = no signature checks. The
/// device then has one RSA-3072 key digest per slot burned in eFuse, a bootloader signed by all of them, and
/// its eFuse revocations (<see cref="TortureSession.RevokeSecureBootKey"/>) are cut like flash operations.
/// </param>
public sealed record TortureScenario(
    string Name,
    string Description,
    Action<TortureSession> Setup,
    Action<TortureSession> Body,
    bool HasFactory = false,
    bool FactoryReset = false,
    IReadOnlyDictionary<string, int[]>? SignedBy = null)
{
    /// <summary>OTA app slots of the layout (<c>ota_0</c> … <c>ota_{N-1}</c>, 1 … 16; default 2).</summary>
    public int OtaSlots { get; init; } = 2;

    /// <summary>The layout has a <c>test</c> app partition after the OTA slots (the bootloader's last resort).</summary>
    public bool HasTest { get; init; }

    /// <summary>
    /// Extra data partitions (subtype fat, two sectors each) after the apps, in this order; the setup may fill
    /// them with user data (<see cref="TortureSession.FillData"/>).
    /// </summary>
    public IReadOnlyList<string> DataPartitions { get; init; } = [];

    /// <summary><c>CONFIG_BOOTLOADER_DATA_FACTORY_RESET</c>: the data partitions a factory reset erases (default <c>nvs</c>, as in Kconfig).</summary>
    public IReadOnlyList<string> FactoryResetErases { get; init; } = ["nvs"];

    /// <summary>
    /// <c>CONFIG_BOOTLOADER_APP_ANTI_ROLLBACK</c> when the run has rollback (Kconfig makes it depend on rollback; a
    /// run with rollback off has none).
    /// </summary>
    public bool AntiRollback { get; init; }

    /// <summary>The chip (default ESP32-C3): its image chip id, its bootloader offset, whether its ROM has the recovery bootloader.</summary>
    public Images.Chip? Chip { get; init; }

    /// <summary>
    /// Every boot after a cut starts with the ROM's first step (<see cref="Images.SecondStageCheck.RomStep(Flash.IFlash, Images.Chip, uint, uint?)"/>):
    /// without a loadable second-stage bootloader at the chip's offset (or at the eFuse recovery offset) nothing boots.
    /// The setup must then flash a bootloader (<see cref="TortureSession.InstallBootloader"/>).
    /// </summary>
    public bool RomBoot { get; init; }

    /// <summary>The layout reserves a recovery bootloader region (<c>RecoveryBTLDR</c>) at the end of flash.</summary>
    public bool RecoveryBootloader { get; init; }

    /// <summary>
    /// The app's "reboot and resume the download through the checkpoint" (an HTTP client's install, issue 14): when set,
    /// every cut gets one more continuation after the three of <see cref="TortureContinuation"/>: boot, this action
    /// (which resumes or restarts the install and says what it selected), a reboot into what it selected, the
    /// self-test passes (<c>esp_ota_mark_app_valid_cancel_rollback</c>), a reboot. Each boot is held to the model;
    /// the resumed download must write exactly the image bytes after its checkpoint, none below it
    /// (<see cref="TortureViolationKind.ResumeRewroteImage"/>), and the last boot must run <see cref="ResumeTarget"/>
    /// (<see cref="TortureViolationKind.ResumeUnfinished"/>). Its violations carry <see cref="TortureViolation.ResumedDownload"/>.
    /// </summary>
    public Func<TortureResume, TortureResumeOutcome>? ResumeDownload { get; init; }

    /// <summary>The app the <see cref="ResumeDownload"/> continuation must end on, confirmed; null: no such check.</summary>
    public string? ResumeTarget { get; init; }

    /// <summary>The <c>secure_version</c> of each app image by name (absent: 0).</summary>
    public IReadOnlyDictionary<string, uint> SecureVersions { get; init; } = new Dictionary<string, uint>();
}
