using EspOta.Boot;
using EspOta.Images;

using EspOta.Http;

namespace EspOta.Simulation;

/// <summary>How a <see cref="SimulatedDevice"/> behaves.</summary>
public sealed record SimulatedDeviceOptions
{
    /// <summary>The bootloader configuration; null: rollback enabled, images verified for the device's chip.</summary>
    public BootOptions? Boot { get; init; }

    /// <summary>The chip's eFuses; null = unburnt.</summary>
    public Efuse? Efuse { get; init; }

    /// <summary>The image verification policy; null = ESP image verification for the device's chip.</summary>
    public IAppImageValidator? Validator { get; init; }

    /// <summary>What the self-test of a newly installed app does; default: it passes.</summary>
    public Func<AppDescription, SelfTestOutcome> SelfTest { get; init; } = _ => SelfTestOutcome.Pass;

    /// <summary>Where download progress survives reboots (the device's NVS); default: in memory.</summary>
    public IOtaCheckpointStore? Checkpoints { get; init; }

    /// <summary>Receives download progress.</summary>
    public IProgress<HttpOtaProgress>? Progress { get; init; }

    /// <summary>Called for every step, after it is reported.</summary>
    public Action<DeviceStep>? OnStep { get; init; }
}
