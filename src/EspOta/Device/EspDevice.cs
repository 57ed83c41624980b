using EspOta.Boot;
using EspOta.Flash;
using EspOta.Images;
using EspOta.Partitions;
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
            _ota = new OtaOperations(Flash, result.Table!, running, Options, Validator, Efuse, () => Reboot(), validated: true);
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
