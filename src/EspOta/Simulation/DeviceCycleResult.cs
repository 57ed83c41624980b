using EspOta.Http;

namespace EspOta.Simulation;

/// <summary>The end of one <see cref="SimulatedDevice.RunCycleAsync"/>.</summary>
/// <param name="Outcome">How it ended.</param>
/// <param name="RunningVersion">The version running afterwards.</param>
/// <param name="OfferedVersion">The version the server offered, if any.</param>
/// <param name="Error">The failure or refusal, if any.</param>
/// <param name="Install">Download figures, when an image was installed.</param>
public sealed record DeviceCycleResult(DeviceCycleOutcome Outcome, string? RunningVersion, string? OfferedVersion, Exception? Error, HttpOtaResult? Install);
