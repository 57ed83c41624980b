using EspOta.Boot;
using EspOta.Flash;
using EspOta.Images;
using EspOta.Partitions;
using EspOta.Security;
using EspOta.Updates;

namespace EspOta.Device;

/// <summary>
/// A simulated ESP32: a flash chip, its eFuses, the image verification policy, the bootloader built
/// with <see cref="BootOptions"/>, and — after a successful <see cref="Reboot"/> — the app running from one
/// partition. Only flash and eFuse survive a reboot; every other object is dropped and rebuilt.
/// </summary>
public sealed class EspDevice
{
    private OtaOperations? _ota;
    private Bootloader? _lastBootloader;

    private EspDevice(IFlash flash, BootOptions options, Efuse efuse, IAppImageValidator validator)
    {
        Flash = flash;
        Options = options;
        Efuse = efuse;
        Validator = validator;
    }

    /// <summary>
    /// A powered-off device on <paramref name="flash"/>; call <see cref="Reboot"/> to power it on.
    /// </summary>
    /// <param name="flash">The flash chip (bootloader, partition table, otadata, apps).</param>
    /// <param name="options">Bootloader configuration (Kconfig); default: no rollback. Validated once, here.</param>
    /// <param name="efuse">The chip's eFuses; they survive every reboot. Null = unburnt.</param>
    /// <param name="validator">The image verification policy, resolved once for the bootloader and the OTA API; null = <see cref="EspImageValidator.Default"/>.</param>
    public static EspDevice Open(IFlash flash, BootOptions? options = null, Efuse? efuse = null, IAppImageValidator? validator = null)
    {
        ArgumentNullException.ThrowIfNull(flash);
        options ??= new BootOptions();
        options.Validate();
        return new EspDevice(flash, options, efuse ?? new Efuse(), validator ?? EspImageValidator.Default);
    }

    /// <summary>The flash chip.</summary>
    public IFlash Flash { get; }

    /// <summary>Bootloader configuration.</summary>
    public BootOptions Options { get; }

    /// <summary>The chip's eFuses.</summary>
    public Efuse Efuse { get; }

    /// <summary>The image verification policy.</summary>
    public IAppImageValidator Validator { get; }

    /// <summary>The result of the last completed boot, or null while off or after a power cut.</summary>
    public BootResult? LastBoot { get; private set; }

    /// <summary>
    /// The index the last boot's selection returned, even if power failed later in that boot; null when
    /// no selection finished (e.g. power failed inside one of its otadata rewrites).
    /// </summary>
    public int? LastSelectedIndex => _lastBootloader?.SelectedIndex;

    /// <summary>The partition the app runs from, or null when no app runs.</summary>
    public Partition? RunningPartition => LastBoot?.Booted;

    /// <summary>The partition table read at the last boot.</summary>
    public PartitionTable? PartitionTable => LastBoot?.Table;

    /// <summary>Whether an app is running.</summary>
    public bool IsRunning => _ota is not null;

    /// <summary>The OTA API of the running app.</summary>
    /// <exception cref="InvalidOperationException">No app is running (off, power cut, or the last boot reset).</exception>
    public OtaOperations Ota => _ota
        ?? throw new InvalidOperationException(LastBoot is { IsReset: true }
            ? "no app is running: the last boot found nothing bootable and reset"
            : "no app is running: the device is off; call Reboot()");

    /// <summary>
    /// A powered-off device with signed-app checks (<paramref name="secureBoot"/>): its bootloader verifies each
    /// candidate app's signature (Secure Boot v2) and its running app verifies every OTA image in
    /// <c>esp_ota_end</c> / <c>esp_ota_set_boot_partition</c>, both on the same single verification pass.
    /// </summary>
    /// <param name="flash">The device's flash.</param>
    /// <param name="secureBoot">Mode, scheme and Secure Boot eFuses.</param>
    /// <param name="options">Bootloader Kconfig.</param>
    /// <param name="efuse">The other eFuses (secure version).</param>
    public static EspDevice OpenSigned(IFlash flash, SecureBootDeviceConfig secureBoot, BootOptions? options = null, Efuse? efuse = null)
    {
        ArgumentNullException.ThrowIfNull(secureBoot);
        var device = Open(flash, options, efuse, new SecureBootImageValidator(secureBoot, inBootloader: true));
        device.SecureBoot = secureBoot;
        return device;
    }

    /// <summary>The signed-app configuration (eFuse digests, revocations, mode, scheme), or null for a device without signature checks.</summary>
    public SecureBootDeviceConfig? SecureBoot { get; private set; }

    /// <summary>
    /// <c>esp_ota_revoke_secure_boot_public_key(index)</c> from the running app: burns <c>KEY_REVOKE</c> of the slot once
    /// the running app and the bootloader (at the chip's bootloader offset) both verify with another unrevoked key.
    /// </summary>
    /// <exception cref="EspException">ESP-IDF's codes: <see cref="EspError.Fail"/>, <see cref="EspError.InvalidArg"/>, <see cref="EspError.NotSupported"/>.</exception>
    public void RevokeSecureBootPublicKey(int index)
    {
        var config = SecureBoot ?? throw new EspException(EspError.Fail, "Secure boot v2 has not been enabled.");
        var running = RunningPartition ?? throw new InvalidOperationException("no app is running");
        bool confirmed = !Options.Rollback || Ota.GetStatePartition(running) is OtaData.OtaImageState.Valid or OtaData.OtaImageState.Undefined;
        var app = SignedRegion(new ImageVerifyOptions { ExpectedChip = config.Chip, SecureBootV2 = true }, running);
        SecureBootChecks.RevokeKey(index, config.Efuses, config.Capabilities, config.Scheme, app, BootloaderRegion(config), confirmed);
    }

    /// <summary>
    /// The ROM's Secure Boot check of the second-stage bootloader at the chip's offset, made at every reset once Secure
    /// Boot is enabled: when no trusted, unrevoked key digest verifies it, the ROM does not load it and nothing else runs.
    /// With aggressive revocation a trusted key whose block carries the right digest but a bad signature is revoked
    /// on the spot (<see cref="SecureBootChecks.VerifyBootloaderByRom"/>), so this can change <see cref="SecureBoot"/>'s eFuses.
    /// </summary>
    /// <returns>The verdict, or null when the ROM checks no signature (no Secure Boot configured, signed apps only, or not enabled in eFuse).</returns>
    public SignatureVerification? VerifyBootloaderByRom()
    {
        if (SecureBoot is not { Mode: SignedAppMode.SecureBoot } config || !config.Efuses.Enabled)
        {
            return null;
        }

        // A bootloader with no signature sector has no block the ROM could accept.
        return BootloaderRegion(config) is { } region
            ? SecureBootChecks.VerifyBootloaderByRom(region, config.Efuses, config.Scheme, config.Capabilities)
            : new SignatureVerification([.. Enumerable.Range(0, SignatureSector.MaxBlocks).Select(i => new BlockCheck(i, BlockStatus.Invalid, null, null))]);
    }

    private SignedImageRegion? BootloaderRegion(SecureBootDeviceConfig config)
    {
        long offset = Layout.FlashComposeOptions.BootloaderOffsetFor(config.Chip);
        var area = new Partition("bootloader", PartitionType.App, 0, (uint)offset, (uint)(Options.PartitionTableOffset - offset));
        return SignedRegion(new ImageVerifyOptions { ExpectedChip = config.Chip, SecureBootV2 = true, IsBootloader = true }, area);
    }

    private SignedImageRegion? SignedRegion(ImageVerifyOptions options, Partition area)
    {
        var verification = ImageVerifier.Verify(Flash, area, options with { SignedDataSha384 = SecureBoot!.Scheme == SignatureScheme.EcdsaP384 });
        return verification.SignatureSector is { } sector && verification.SignedData is { } digest ? new SignedImageRegion(sector, digest) : null;
    }

    /// <summary>
    /// Resets the chip: drops every in-memory object, runs the bootloader on flash, and starts the app it
    /// loads. A <see cref="PowerLossException"/> from the flash propagates with the device left off.
    /// </summary>
    /// <param name="factoryResetPinHeld">Hold the factory-reset GPIO during this boot.</param>
    public BootResult Reboot(bool factoryResetPinHeld = false)
    {
        PowerCut();
        var bootloader = new Bootloader(Flash, Options, Validator, Efuse, validated: true);
        _lastBootloader = bootloader;
        var result = bootloader.Boot(factoryResetPinHeld);
        LastBoot = result;
        if (result.Booted is { } running)
        {
            // The running app checks updates with its own rules (secure_boot_signatures_app.c), not the bootloader's.
            var appValidator = SecureBoot is { } config ? new SecureBootImageValidator(config, inBootloader: false, () => running) : Validator;
            _ota = new OtaOperations(Flash, result.Table!, running, Options, appValidator, Efuse, () => Reboot(), validated: true);
        }

        return result;
    }

    /// <summary>Cuts the power: the running app and all RAM state are gone; flash and eFuse stay.</summary>
    public void PowerCut()
    {
        _ota = null;
        LastBoot = null;
        _lastBootloader = null;
    }
}
