using EspOta.Device;

namespace EspOta.Torture;

/// <summary>
/// What a scenario's <see cref="TortureScenario.ResumeDownload"/> gets after a cut: the rebooted device, running
/// whichever app the bootloader chose, on the cut flash; it resumes (or restarts) its download as the app would.
/// </summary>
/// <param name="Device">The booted device; its writes are counted by the engine.</param>
/// <param name="Cut">The cut the power returned from.</param>
public sealed record TortureResume(EspDevice Device, TortureCutPoint Cut);
