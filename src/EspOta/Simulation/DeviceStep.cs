using EspOta.Http;

namespace EspOta.Simulation;

/// <summary>One step in a simulated device's timeline (the same steps it reports to the server).</summary>
/// <param name="Kind">The step.</param>
/// <param name="Version">The version it is about.</param>
/// <param name="Detail">What happened (the boot partition, a reason).</param>
/// <param name="Elapsed">Time since the device was created.</param>
public sealed record DeviceStep(DeviceReportKind Kind, string? Version, string? Detail, TimeSpan Elapsed)
{
    /// <summary>
    /// Modelled flash time on the real chip since the device was created (typical and maximum), when the device runs on
    /// a <see cref="Flash.TimedFlash"/> (<see cref="SimulatedDeviceOptions.FlashTiming"/>); null otherwise.
    /// </summary>
    public Flash.FlashDuration? FlashTime { get; init; }
}
