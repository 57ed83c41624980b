using EspOta.Boot;
using EspOta.Flash;
using EspOta.Images;
using EspOta.Security;

using EspOta.Http;

namespace EspOta.Simulation;

/// <summary>How a <see cref="SimulatedDevice"/> behaves.</summary>
public sealed record SimulatedDeviceOptions
{
    /// <summary>The bootloader configuration; null: rollback enabled, images verified for the device's chip.</summary>
    public BootOptions? Boot { get; init; }

    /// <summary>The chip's eFuses; null = unburnt.</summary>
    public Efuse? Efuse { get; init; }

    /// <summary>
    /// Signed-app checks (Secure Boot v2 eFuse digests, mode, scheme): the device opens with
    /// <see cref="Device.EspDevice.OpenSigned"/>, so its bootloader and its running app (<c>esp_ota_end</c>,
    /// <c>esp_ota_set_boot_partition</c>) verify every image's signature; null = no signature checks.
    /// When set, <see cref="Validator"/> is ignored.
    /// </summary>
    public SecureBootDeviceConfig? SecureBoot { get; init; }

    /// <summary>
    /// Secure boot key rotation: after confirming a newly installed app, the app calls
    /// <c>esp_ota_revoke_secure_boot_public_key</c> for each of these digest slots that is not revoked yet.
    /// </summary>
    public IReadOnlyList<int> RevokeKeysOnConfirm { get; init; } = [];

    /// <summary>The image verification policy; null = ESP image verification for the device's chip.</summary>
    public IAppImageValidator? Validator { get; init; }

    /// <summary>What the self-test of a newly installed app does; default: it passes.</summary>
    public Func<AppDescription, SelfTestOutcome> SelfTest { get; init; } = _ => SelfTestOutcome.Pass;

    /// <summary>Where download progress survives reboots (the device's NVS); default: in memory.</summary>
    public IOtaCheckpointStore? Checkpoints { get; init; }

    /// <summary>Receives download progress.</summary>
    public IProgress<HttpOtaProgress>? Progress { get; init; }

    /// <summary>
    /// The flash chip's datasheet figures: the device's flash is wrapped in a <see cref="TimedFlash"/> that adds up
    /// how long each erase, program and read would take on the real chip (<see cref="SimulatedDevice.FlashTime"/>,
    /// <see cref="DeviceStep.FlashTime"/>); null = not modelled.
    /// </summary>
    public FlashTiming? FlashTiming { get; init; }

    /// <summary>Called for every step, after it is reported.</summary>
    public Action<DeviceStep>? OnStep { get; init; }
}
